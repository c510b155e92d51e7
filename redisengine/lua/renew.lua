-- renew: ARGV now, claim, seq, ttl, grace. Returns OK, EXPIRED or
-- UNKNOWN_CLAIM.
local now, claim, seq, ttl, grace = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if not live(claim, now) then
  if known(seq) then return EXPIRED end
  return UNKNOWN_CLAIM
end
redis.call('ZADD', C, ms(now + ttl), claim)
local ids = held(claim)
extend(ids, scores(X, ids), now, ttl, grace)
move(ids, claim)
return OK
