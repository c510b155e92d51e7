-- release: ARGV claim, seq. Hands the claim's messages back; returns OK,
-- or UNKNOWN_CLAIM for a claim never issued.
local claim, seq = ARGV[1], ARGV[2]
if not known(seq) then return UNKNOWN_CLAIM end
endclaim(claim)
return OK
