-- claim: ARGV now, token (or the ID of the claim a waiting Claim holds
-- registered), limit, ttl, grace, max claims (0: no dead letters),
-- dead-letter TTL (0: keep the remaining), wait (ms, 0: none), then the
-- IDs a blocking XREADGROUP of the claim delivered (adopting them instead
-- of claiming anew).
-- Returns {claim, deadline (0: nothing claimed), {{id, fields, count}...},
-- next claim deadline, next delay end} (-1: none).
local now, limit, ttl, grace = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxclaims, deadttl, wait = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local adopt = #ARGV > 8
local claim = ARGV[2]
if not string.find(claim, '-', 1, true) then claim = redis.call('INCR', N) .. '-' .. claim end

sweep(now)

-- got lists what the claim takes; ids and exps its IDs and expiry scores.
local got, ids, exps = {}, {}, {}
local function keep(id, fields, count, exp)
  got[#got + 1] = {id, fields, count}
  ids[#ids + 1] = id
  exps[#exps + 1] = exp
end

-- deadletter moves id to the dead-letter queue, keeping its body, its
-- creation time and its first ID.
local function deadletter(id, exp)
  local e = redis.call('XRANGE', S, id, id)
  if #e == 1 then
    local f, body, created, origin = e[1][2], '', ms(now), id
    for i = 1, #f, 2 do
      if f[i] == 'b' then body = f[i + 1] elseif f[i] == 't' then created = f[i + 1] elseif f[i] == 'o' then origin = f[i + 1] end
    end
    local nid = redis.call('XADD', DS, '*', 'b', body, 't', created, 'o', origin)
    local dexp = now + deadttl
    if deadttl <= 0 then dexp = tonumber(exp or ms(now + 1)) end
    redis.call('ZADD', DX, ms(dexp), nid)
  end
  remove({id})
end

-- fresh sorts entries delivered to the claim by XREADGROUP: expired ones
-- go, those still delayed are parked with DELAYED, the others are kept up
-- to the limit and handed to FREE beyond it; parked and handed-back
-- entries have their delivery counts undone, since nobody saw them.
local function fresh(entries, counts)
  local eids = {}
  for i, e in ipairs(entries) do eids[i] = e[1] end
  local xs, ds = scores(X, eids), scores(D, eids)
  local dead, parked, due, extra = {}, {}, {}, {}
  for i, e in ipairs(entries) do
    if xs[i] and tonumber(xs[i]) <= now then dead[#dead + 1] = e[1]
    elseif ds[i] and tonumber(ds[i]) > now then parked[#parked + 1] = e[1]
    elseif #got >= limit then extra[#extra + 1] = e[1]
    else
      if ds[i] then due[#due + 1] = e[1] end
      keep(e[1], e[2], counts and counts[i] or 1, xs[i])
    end
  end
  remove(dead)
  move(parked, DELAYED, 'RETRYCOUNT', 0)
  move(extra, FREE, 'RETRYCOUNT', 0)
  call_many({'ZREM', D}, due)
end

if adopt then
  local entries, counts = {}, {}
  for i = 9, #ARGV do
    local h, count = holder(ARGV[i])
    if h == claim then
      local e = redis.call('XRANGE', S, ARGV[i], ARGV[i])
      if #e == 1 then
        entries[#entries + 1] = e[1]
        counts[#counts + 1] = count
      end
    end
  end
  fresh(entries, counts)
else
  -- A round reads as many entries as the claim still needs; entries in
  -- the way (expired, dead-lettered, delayed) make the next round read
  -- twice as many. SCAN bounds the entries one call looks at, so that a
  -- pile of them cannot make one call long; the rest wait for the next.
  local budget, count = SCAN, limit
  while #got < limit and budget > 0 do
    local need = limit - #got
    local r = redis.call('XPENDING', S, G, '-', '+', math.max(count, need), FREE)
    if #r == 0 then break end
    budget = budget - #r
    local pids = {}
    for i, e in ipairs(r) do pids[i] = e[1] end
    local xs, ds = scores(X, pids), scores(D, pids)
    local take, dead, parked, due, counts, texp = {}, {}, {}, {}, {}, {}
    for i, e in ipairs(r) do
      local id = e[1]
      if #take >= need then break end
      if xs[i] and tonumber(xs[i]) <= now then dead[#dead + 1] = id
      elseif ds[i] and tonumber(ds[i]) > now then
        -- Only a wait that never came back to adopt what its read
        -- delivered leaves a delayed message here: it was never handed
        -- out.
        parked[#parked + 1] = id
      elseif maxclaims > 0 and e[4] >= maxclaims then deadletter(id, xs[i])
      else
        if ds[i] then due[#due + 1] = id end
        take[#take + 1] = id
        counts[id], texp[id] = e[4] + 1, xs[i]
      end
    end
    remove(dead)
    move(parked, DELAYED, 'RETRYCOUNT', 0)
    call_many({'ZREM', D}, due)
    if #take > 0 then
      local a = {S, G, claim, 0}
      for _, id in ipairs(take) do a[#a + 1] = id end
      for _, e in ipairs(redis.call('XCLAIM', unpack(a))) do
        if e and e[1] then keep(e[1], e[2], counts[e[1]], texp[e[1]]) end
      end
    end
    if #r < math.max(count, need) then break end
    count = math.min(2 * math.max(count, need), MAXHELD)
  end
  count = limit - #got
  while #got < limit and budget > 0 do
    local r = redis.call('XREADGROUP', 'GROUP', G, claim, 'COUNT', math.max(count, limit - #got), 'STREAMS', S, '>')
    if not r or #r[1][2] == 0 then break end
    budget = budget - #r[1][2]
    fresh(r[1][2], nil)
    count = math.min(2 * count, MAXHELD)
  end
end

local function first(key)
  local r = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #r == 2 then return tonumber(r[2]) end
  return -1
end

if #got > 0 then
  local dl = now + ttl
  redis.call('ZADD', C, ms(dl), claim)
  extend(ids, exps, now, ttl, grace)
  return {claim, dl, got, -1, -1}
end
if wait > 0 then
  -- The claim is registered before the engine blocks on XREADGROUP, so
  -- that what the read delivers is handed back by the sweep even if the
  -- engine never comes back to adopt it.
  redis.call('ZADD', C, ms(now + wait + ttl), claim)
else
  -- endclaim, not drop: deleting a consumer that still had pending
  -- entries would lose them.
  endclaim(claim)
end
return {claim, 0, {}, first(C), first(D)}
