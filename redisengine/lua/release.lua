-- release: ARGV claim, seq. Hands the claim's messages back; returns OK,
-- or UNKNOWN_CLAIM for a claim never issued.
local claim, seq = ARGV[1], ARGV[2]
if not known(seq) then return UNKNOWN_CLAIM end
local ids = held(claim)
move(ids, FREE)
drop(claim)
if #ids > 0 then redis.call('PUBLISH', W, '') end
return OK
