-- delete: ARGV now, claim, seq, then message IDs. Deletes those the live
-- claim holds; returns a status per ID, or {UNKNOWN_CLAIM}.
local now, claim, seq = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local l = live(claim, now)
if not l and not known(seq) then return {UNKNOWN_CLAIM} end
-- The claim's own messages are found in one read of its pending entries;
-- only the others need a look each.
local mine, nmine = {}, 0
if l then
  for _, id in ipairs(held(claim)) do mine[id] = true; nmine = nmine + 1 end
end
local out, del = {}, {}
for i = 4, #ARGV do
  local id = ARGV[i]
  if mine[id] then
    mine[id] = false
    del[#del + 1] = id
    out[#out + 1] = OK
  elseif mine[id] == false then
    out[#out + 1] = GONE -- listed twice: deleted by its first mention
  else
    out[#out + 1] = status(id, claim, l, now)
  end
end
remove(del)
if l and #del == nmine then drop(claim) end
return out
