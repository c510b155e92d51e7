-- retry: ARGV now, claim, seq, delay (ms), then message IDs. Hands the
-- IDs the live claim holds back, claimable at now+delay; returns a status
-- per ID, or {UNKNOWN_CLAIM}.
local now, claim, seq, delay = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local l = live(claim, now)
if not l and not known(seq) then return {UNKNOWN_CLAIM} end
local out, handed = {}, false
for i = 5, #ARGV do
  local id = ARGV[i]
  local s = status(id, claim, l, now)
  if s == OK then
    handed = true
    if delay > 0 then
      move({id}, DELAYED)
      redis.call('ZADD', D, ms(now + delay), id)
    else
      move({id}, FREE)
    end
  end
  out[#out + 1] = s
end
if l and not holds_any(claim) then drop(claim) end
if handed then redis.call('PUBLISH', W, '') end
return out
