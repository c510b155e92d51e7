-- Shared by every script of the engine; the engine prepends it to each.
--
-- Keys, in this order for every script (one queue's keys share a hash tag):
--   S  the stream: one entry per message, fields b (body), t (created, ms
--      on the engine's clock) and, for a dead-lettered message, o (its ID
--      in the queue it came from)
--   C  sorted set of claims: consumer name (= claim ID) -> deadline (ms)
--   D  sorted set of delays: message ID -> when it becomes claimable (ms)
--   X  sorted set of expiries: message ID -> when it expires (ms)
--   N  counter of issued claims: the first part of every claim ID
--   DS, DX  the dead-letter queue's stream and expiries (this queue's own
--      S and X when none is configured; then they are never written)
--
-- Who holds a message is the consumer group's pending-entries list (PEL):
-- a claim is a consumer of group G named by the claim ID; FREE holds the
-- messages that were delivered once and are claimable again (released,
-- retried without delay, or their claim expired); DELAYED holds those
-- waiting for a delay to end. Every PEL entry is older than every entry
-- the group has not delivered yet, so FREE first, then '>' is oldest first.
--
-- Time is never read from the server: every script receives now (ms on the
-- engine's clock), so expiry follows the engine's Clock exactly.
local S, C, D, X, N, DS, DX = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local G = 'claimq'
local FREE, DELAYED = '~free', '~delayed'
-- SWEEP bounds the deadlines handled per call and kind, so that one call
-- never blocks the server for long; the rest is handled by later calls.
local SWEEP = 256
-- MAXHELD is the most messages a claim can hold: the engine's MaxLimit.
local MAXHELD = 1000

-- Result codes per message, decoded by status.go.
local OK, EXPIRED, EXPIRED_OTHER, NOT_HELD, OTHER, GONE = 0, 1, 2, 3, 4, 5
local UNKNOWN_CLAIM = -1

-- ms formats a time or duration in ms as an integer: Redis would format
-- a Lua number with %.14g.
local function ms(x) return string.format('%.0f', x) end

local function remove(id)
  redis.call('XACK', S, G, id)
  redis.call('XDEL', S, id)
  redis.call('ZREM', X, id)
  redis.call('ZREM', D, id)
end

local function expired(id, now)
  local e = redis.call('ZSCORE', X, id)
  return e and tonumber(e) <= now
end

-- holder returns the consumer holding id and its delivery count, or nil.
local function holder(id)
  local r = redis.call('XPENDING', S, G, id, id, 1)
  if #r == 0 then return nil, 0 end
  return r[1][2], r[1][4]
end

-- deadline returns the claim's deadline, or nil once it has ended.
local function deadline(claim)
  local d = redis.call('ZSCORE', C, claim)
  if d then return tonumber(d) end
  return nil
end

-- known tells a claim the engine issued (seq at most the counter) from one
-- it never did, without a record per ended claim.
local function known(seq)
  return tonumber(seq) <= tonumber(redis.call('GET', N) or '0')
end

local function held(claim)
  local ids = {}
  for i, e in ipairs(redis.call('XPENDING', S, G, '-', '+', MAXHELD, claim)) do ids[i] = e[1] end
  return ids
end

local function holds_any(claim)
  return #redis.call('XPENDING', S, G, '-', '+', 1, claim) > 0
end

-- move hands ids to consumer; JUSTID keeps their delivery counts and
-- resets their idle time.
local function move(ids, consumer)
  if #ids == 0 then return end
  local a = {S, G, consumer, 0}
  for _, id in ipairs(ids) do a[#a + 1] = id end
  a[#a + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(a))
end

local function drop(claim)
  redis.call('XGROUP', 'DELCONSUMER', S, G, claim)
  redis.call('ZREM', C, claim)
end

-- endclaim makes the claim's messages claimable again, in ID order, and
-- forgets the claim.
local function endclaim(claim)
  move(held(claim), FREE)
  drop(claim)
end

-- extend applies the lifetime extension of a claim: a message that would
-- expire before the claim lives until the claim's end plus grace.
local function extend(id, now, ttl, grace)
  local e = redis.call('ZSCORE', X, id)
  if e and tonumber(e) < now + ttl then redis.call('ZADD', X, ms(now + ttl + grace), id) end
end

local function sweep_expired(now)
  for _, id in ipairs(redis.call('ZRANGE', X, '-inf', ms(now), 'BYSCORE', 'LIMIT', 0, SWEEP)) do remove(id) end
end

-- sweep applies every deadline up to now: expired messages go, expired
-- claims hand their messages back, ended delays make messages claimable.
local function sweep(now)
  sweep_expired(now)
  for _, c in ipairs(redis.call('ZRANGE', C, '-inf', ms(now), 'BYSCORE', 'LIMIT', 0, SWEEP)) do endclaim(c) end
  for _, id in ipairs(redis.call('ZRANGE', D, '-inf', ms(now), 'BYSCORE', 'LIMIT', 0, SWEEP)) do
    redis.call('ZREM', D, id)
    if holder(id) == DELAYED then move({id}, FREE) end
  end
end

-- status says what claim (live or not) may do with message id.
local function status(id, claim, live, now)
  local h = holder(id)
  if h == claim then
    if live then return OK end
    return EXPIRED
  end
  local other = h and h ~= FREE and h ~= DELAYED and (deadline(h) or 0) > now
  if not live then
    if other then return EXPIRED_OTHER end
    return EXPIRED
  end
  if other then return OTHER end
  if expired(id, now) or #redis.call('XRANGE', S, id, id) == 0 then return GONE end
  return NOT_HELD
end

-- live returns whether claim is live at now.
local function live(claim, now)
  local d = deadline(claim)
  return d ~= nil and d > now
end
