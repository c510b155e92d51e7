-- post: ARGV now, then per message body, ttl (ms), delay (ms, 0: none).
-- Returns the new IDs in input order. One script, so a batch is all or none.
local now = tonumber(ARGV[1])
sweep_expired(now)
local ids = {}
for i = 2, #ARGV, 3 do
  local id = redis.call('XADD', S, '*', 'b', ARGV[i], 't', ARGV[1])
  redis.call('ZADD', X, ms(now + tonumber(ARGV[i + 1])), id)
  local delay = tonumber(ARGV[i + 2])
  if delay > 0 then redis.call('ZADD', D, ms(now + delay), id) end
  ids[#ids + 1] = id
end
return ids
