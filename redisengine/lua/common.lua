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
-- W is the channel that tells waiting claims of every engine that
-- messages were handed back (a channel, not a key).
local W = S .. ':wake'
local G = 'claimq'
local FREE, DELAYED = '~free', '~delayed'
-- SWEEP bounds the deadlines handled per call and kind, so that one call
-- never blocks the server for long; the rest is handled by later calls.
local SWEEP = 256
-- SCAN bounds the entries one claim looks at to fill itself.
local SCAN = 1000
-- MAXHELD is the most messages a claim can hold: the engine's MaxLimit.
local MAXHELD = 1000

-- Result codes per message, decoded by status.go.
local OK, EXPIRED, EXPIRED_OTHER, NOT_HELD, OTHER, GONE = 0, 1, 2, 3, 4, 5
local UNKNOWN_CLAIM = -1

-- ms formats a time or duration in ms as an integer: Redis would format
-- a Lua number with %.14g.
local function ms(x) return string.format('%.0f', x) end

-- CHUNK bounds the arguments of one variadic call, below what unpack can
-- put on Lua's stack.
local CHUNK = 1000

-- call_many runs redis.call with the arguments prefix followed by items,
-- CHUNK items at a time (an even number, so pairs stay together).
local function call_many(prefix, items)
  for i = 1, #items, CHUNK do
    local a = {}
    for _, p in ipairs(prefix) do a[#a + 1] = p end
    for j = i, math.min(i + CHUNK - 1, #items) do a[#a + 1] = items[j] end
    redis.call(unpack(a))
  end
end

-- remove deletes messages: their entries, pending entries and deadlines.
local function remove(ids)
  if #ids == 0 then return end
  call_many({'XACK', S, G}, ids)
  call_many({'XDEL', S}, ids)
  call_many({'ZREM', X}, ids)
  call_many({'ZREM', D}, ids)
end

-- scores returns the scores of ids in key, false where there is none.
local function scores(key, ids)
  if #ids == 0 then return {} end
  return redis.call('ZMSCORE', key, unpack(ids))
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
local function move(ids, consumer, ...)
  for i = 1, #ids, CHUNK do
    local a = {S, G, consumer, 0}
    for j = i, math.min(i + CHUNK - 1, #ids) do a[#a + 1] = ids[j] end
    for _, o in ipairs({...}) do a[#a + 1] = o end
    a[#a + 1] = 'JUSTID'
    redis.call('XCLAIM', unpack(a))
  end
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

-- extend applies the lifetime extension of a claim to ids, whose expiry
-- scores are exps: a message that would expire before the claim lives
-- until the claim's end plus grace.
local function extend(ids, exps, now, ttl, grace)
  local a = {}
  for i, id in ipairs(ids) do
    if exps[i] and tonumber(exps[i]) < now + ttl then
      a[#a + 1] = ms(now + ttl + grace)
      a[#a + 1] = id
    end
  end
  call_many({'ZADD', X}, a)
end

local function sweep_expired(now)
  remove(redis.call('ZRANGE', X, '-inf', ms(now), 'BYSCORE', 'LIMIT', 0, SWEEP))
end

-- sweep applies every deadline up to now: expired messages go, expired
-- claims hand their messages back, ended delays make messages claimable.
local function sweep(now)
  sweep_expired(now)
  for _, c in ipairs(redis.call('ZRANGE', C, '-inf', ms(now), 'BYSCORE', 'LIMIT', 0, SWEEP)) do endclaim(c) end
  local due = redis.call('ZRANGE', D, '-inf', ms(now), 'BYSCORE', 'LIMIT', 0, SWEEP)
  call_many({'ZREM', D}, due)
  local parked = {}
  for _, id in ipairs(due) do
    if holder(id) == DELAYED then parked[#parked + 1] = id end
  end
  move(parked, FREE)
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
