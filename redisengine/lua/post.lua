-- post: ARGV now, then per message body, ttl (ms), delay (ms, 0: none).
-- Returns the new IDs in input order. One script, so a batch is all or none.
local now = tonumber(ARGV[1])
sweep_expired(now)
local ids, exps, delays = {}, {}, {}
for i = 2, #ARGV, 3 do
  local id = redis.call('XADD', S, '*', 'b', ARGV[i], 't', ARGV[1])
  ids[#ids + 1] = id
  exps[#exps + 1] = ms(now + tonumber(ARGV[i + 1]))
  exps[#exps + 1] = id
  local delay = tonumber(ARGV[i + 2])
  if delay > 0 then
    delays[#delays + 1] = ms(now + delay)
    delays[#delays + 1] = id
  end
end
call_many({'ZADD', X}, exps)
call_many({'ZADD', D}, delays)
return ids
