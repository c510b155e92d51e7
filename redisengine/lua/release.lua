-- release: ARGV claim, seq, then IDs a blocking read delivered to the
-- claim that its Claim gave up on before adopting them. Hands the claim's
-- messages back, undoing the delivery counts of those IDs (they were
-- never handed out); returns OK, or UNKNOWN_CLAIM for a claim never
-- issued.
local claim, seq = ARGV[1], ARGV[2]
if not known(seq) then return UNKNOWN_CLAIM end
local unread = {}
for i = 3, #ARGV do
  if holder(ARGV[i]) == claim then unread[#unread + 1] = ARGV[i] end
end
move(unread, FREE, 'RETRYCOUNT', 0)
local ids = held(claim)
move(ids, FREE)
drop(claim)
if #ids + #unread > 0 then redis.call('PUBLISH', W, '') end
return OK
