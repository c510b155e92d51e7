-- delete: ARGV now, claim, seq, then message IDs. Deletes those the live
-- claim holds; returns a status per ID, or {UNKNOWN_CLAIM}.
local now, claim, seq = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local l = live(claim, now)
if not l and not known(seq) then return {UNKNOWN_CLAIM} end
local out = {}
for i = 4, #ARGV do
  local s = status(ARGV[i], claim, l, now)
  if s == OK then remove(ARGV[i]) end
  out[#out + 1] = s
end
if l and not holds_any(claim) then drop(claim) end
return out
