-- claim: ARGV now, token (or the ID of the claim a waiting Claim holds
-- registered), limit, ttl,
-- grace, max claims (0: no dead letters), dead-letter TTL (0: keep the
-- remaining), wait (ms, 0: none), then the IDs a blocking XREADGROUP of
-- the claim delivered (adopting them instead of claiming anew).
-- Returns {claim, deadline (0: nothing claimed), {{id, fields, count}...},
-- next claim deadline, next delay end} (-1: none).
local now, limit, ttl, grace = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxclaims, deadttl, wait = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local adopt = #ARGV > 8
local claim = ARGV[2]
if not string.find(claim, '-', 1, true) then claim = redis.call('INCR', N) .. '-' .. claim end

sweep(now)

local got = {}
local function keep(id, fields, count) got[#got + 1] = {id, fields, count} end

local function delayed(id)
  local d = redis.call('ZSCORE', D, id)
  if not d then return false end
  if tonumber(d) > now then return true end
  redis.call('ZREM', D, id)
  return false
end

-- park gives a message delivered before its delay ended to DELAYED, and
-- undoes the delivery count of that delivery.
local function park(id)
  redis.call('XCLAIM', S, G, DELAYED, 0, id, 'RETRYCOUNT', 0, 'JUSTID')
end

-- deadletter moves id to the dead-letter queue, keeping its body, its
-- creation time and its first ID.
local function deadletter(id)
  local e = redis.call('XRANGE', S, id, id)
  if #e == 1 then
    local f, body, created, origin = e[1][2], '', ms(now), id
    for i = 1, #f, 2 do
      if f[i] == 'b' then body = f[i + 1] elseif f[i] == 't' then created = f[i + 1] elseif f[i] == 'o' then origin = f[i + 1] end
    end
    local nid = redis.call('XADD', DS, '*', 'b', body, 't', created, 'o', origin)
    local exp = now + deadttl
    if deadttl <= 0 then exp = tonumber(redis.call('ZSCORE', X, id) or ms(now + 1)) end
    redis.call('ZADD', DX, ms(exp), nid)
  end
  remove(id)
end

if adopt then
  for i = 9, #ARGV do
    local id = ARGV[i]
    local h, count = holder(id)
    if h == claim then
      if expired(id, now) then remove(id)
      elseif delayed(id) then park(id)
      else
        local e = redis.call('XRANGE', S, id, id)
        if #e == 1 then keep(id, e[1][2], count) else remove(id) end
      end
    end
  end
else
  -- Each round either fills the claim or consumes what stood in its way
  -- (expired, dead-lettered, delayed entries); the bound keeps one call
  -- short when many of those pile up.
  for _ = 1, 4 do
    if #got >= limit then break end
    local r = redis.call('XPENDING', S, G, '-', '+', limit - #got, FREE)
    if #r == 0 then break end
    local take, counts = {S, G, claim, 0}, {}
    for _, e in ipairs(r) do
      local id = e[1]
      if expired(id, now) then remove(id)
      elseif maxclaims > 0 and e[4] >= maxclaims then deadletter(id)
      else take[#take + 1] = id; counts[id] = e[4] + 1 end
    end
    if #take > 4 then
      for _, e in ipairs(redis.call('XCLAIM', unpack(take))) do
        if e and e[1] then keep(e[1], e[2], counts[e[1]]) end
      end
    end
  end
  for _ = 1, 4 do
    if #got >= limit then break end
    local r = redis.call('XREADGROUP', 'GROUP', G, claim, 'COUNT', limit - #got, 'STREAMS', S, '>')
    if not r or #r[1][2] == 0 then break end
    for _, e in ipairs(r[1][2]) do
      local id = e[1]
      if expired(id, now) then remove(id)
      elseif delayed(id) then park(id)
      else keep(id, e[2], 1) end
    end
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
  for _, g in ipairs(got) do extend(g[1], now, ttl, grace) end
  return {claim, dl, got, -1, -1}
end
if wait > 0 then
  -- The claim is registered before the engine blocks on XREADGROUP, so
  -- that what the read delivers is handed back by the sweep even if the
  -- engine never comes back to adopt it.
  redis.call('ZADD', C, ms(now + wait + ttl), claim)
else
  drop(claim)
end
return {claim, 0, {}, first(C), first(D)}
