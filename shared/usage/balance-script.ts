/** The Lua script that decides every balance change atomically in Redis (one call per request). */
export const balanceScript = String.raw`
-- One (customer, feature) balance, atomically. KEYS: state hash, holds zset, idempotency marker.
-- ARGV[1] is the operation; every answer starts with a status word.
local state, holds, idem = KEYS[1], KEYS[2], KEYS[3]
local op = ARGV[1]

local function current(period)
  local stored = redis.call('HGET', state, 'period')
  return stored ~= false and stored == period
end

-- Drops expired reservations (they stop counting by themselves) and returns the live total.
local function prune(now)
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  if #expired > 0 then
    local freed = 0
    for _, id in ipairs(expired) do
      freed = freed + tonumber(redis.call('HGET', state, 'r:' .. id) or '0')
      redis.call('HDEL', state, 'r:' .. id)
    end
    redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
    redis.call('HINCRBY', state, 'reserved', -freed)
  end
end

-- An idempotency marker: request hash|attempt id|units counted (a bare hash: written before attempts
-- were recorded; counted -1: the attempt was taken back, and the marker stands for no admission).
local function marker(seen)
  local hash, attempt, counted = string.match(seen, '^([^|]*)|([^|]*)|(-?%d+)$')
  if hash == nil then return seen, '', 0 end
  return hash, attempt, tonumber(counted)
end

local function figures(now)
  local f = redis.call('HMGET', state, 'used', 'credited', 'reserved', 'rollover', 'rollover_until')
  local rollover = tonumber(f[4])
  local untilMs = tonumber(f[5])
  if untilMs >= 0 and now >= untilMs then rollover = 0 end
  return tonumber(f[1]), tonumber(f[2]), tonumber(f[3]), rollover
end

if op == 'load' then
  -- ARGV: period, used, credited, rollover, rollover_until, then (id, amount, expires) per held reservation.
  if current(ARGV[2]) then return {'kept'} end
  redis.call('DEL', state, holds)
  redis.call('HSET', state, 'period', ARGV[2], 'used', ARGV[3], 'credited', ARGV[4], 'reserved', 0, 'rollover', ARGV[5], 'rollover_until', ARGV[6])
  local reserved = 0
  for i = 7, #ARGV, 3 do
    redis.call('HSET', state, 'r:' .. ARGV[i], ARGV[i + 1])
    redis.call('ZADD', holds, ARGV[i + 2], ARGV[i])
    reserved = reserved + tonumber(ARGV[i + 1])
  end
  redis.call('HSET', state, 'reserved', reserved)
  return {'loaded'}
end

if op == 'admit' or op == 'check' or op == 'peek' then
  -- ARGV: period, now, allowance (-1: unlimited), amount, overage, request hash, marker ttl ms, reservation id ('' for a consume), reservation expiry ms, attempt id
  local period, now = ARGV[2], tonumber(ARGV[3])
  local resent = nil
  if op == 'admit' then
    local seen = redis.call('GET', idem)
    local hash, attempt, counted
    if seen then hash, attempt, counted = marker(seen) end
    -- A taken-back attempt arriving late (a command the client sent again after giving up) is not admitted.
    if seen and counted < 0 and attempt == ARGV[11] then return {'duplicate'} end
    if seen and counted >= 0 then
      if hash ~= ARGV[7] then return {'conflict'} end
      -- The same attempt sent again (its first answer was lost on the way): it was admitted, once.
      if ARGV[11] == '' or attempt ~= ARGV[11] then return {'duplicate'} end
      resent = counted
    end
  end
  if not current(period) then return {'rebuild'} end
  prune(now)
  local used, credited, reserved, rollover = figures(now)
  if resent then return {'ok', 1, resent, used, credited, reserved, rollover} end
  local allowance, amount, overage = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
  local allowed, counted = 1, amount
  if allowance >= 0 and overage ~= 'allow' then
    local remaining = allowance + rollover + credited - used - reserved
    if amount > remaining then
      if overage == 'cap' and remaining > 0 then counted = remaining else allowed, counted = 0, 0 end
    end
  end
  if op == 'admit' and allowed == 1 then
    local reservation = ARGV[9]
    if reservation == '' then
      used = used + counted
      redis.call('HINCRBY', state, 'used', counted)
    else
      reserved = reserved + counted
      redis.call('HINCRBY', state, 'reserved', counted)
      redis.call('HSET', state, 'r:' .. reservation, counted)
      redis.call('ZADD', holds, ARGV[10], reservation)
    end
    redis.call('SET', idem, ARGV[7] .. '|' .. ARGV[11] .. '|' .. counted, 'PX', ARGV[8])
  end
  return {'ok', allowed, counted, used, credited, reserved, rollover}
end

if op == 'undo' then
  -- ARGV: period, amount, reservation id ('' for a consume). The write that admitted it failed.
  redis.call('DEL', idem)
  if not current(ARGV[2]) then return {'gone'} end
  if ARGV[4] == '' then
    redis.call('HINCRBY', state, 'used', -tonumber(ARGV[3]))
  elseif redis.call('ZREM', holds, ARGV[4]) == 1 then
    redis.call('HDEL', state, 'r:' .. ARGV[4])
    redis.call('HINCRBY', state, 'reserved', -tonumber(ARGV[3]))
  end
  return {'undone'}
end

if op == 'forsake' then
  -- ARGV: period, attempt id, reservation id ('' for a consume), marker ttl ms. An admission whose
  -- answer never reached its request (Redis failed over meanwhile), so no ledger row will hold it:
  -- taken back while its marker is still this attempt's, so a retry of the key is admitted afresh
  -- and once. The marker then says so: should the attempt still arrive, it is not admitted.
  local seen = redis.call('GET', idem)
  local _, attempt, counted = nil, '', 0
  if seen then _, attempt, counted = marker(seen) end
  if seen and attempt ~= ARGV[3] then return {'kept'} end
  redis.call('SET', idem, '|' .. ARGV[3] .. '|-1', 'PX', ARGV[5])
  if not seen or counted < 0 then return {'kept'} end
  if not current(ARGV[2]) then return {'gone'} end
  if ARGV[4] == '' then
    redis.call('HINCRBY', state, 'used', -counted)
  elseif redis.call('ZREM', holds, ARGV[4]) == 1 then
    redis.call('HINCRBY', state, 'reserved', -tonumber(redis.call('HGET', state, 'r:' .. ARGV[4]) or '0'))
    redis.call('HDEL', state, 'r:' .. ARGV[4])
  end
  return {'forsaken'}
end

if op == 'settle' then
  -- ARGV: period, reservation id, units now used (0 for a release). Durable in Postgres already.
  if not current(ARGV[2]) then return {'gone'} end
  local id = ARGV[3]
  -- Without the hold, this state was rebuilt from a ledger that already holds the commit: counting it again would double it.
  if redis.call('ZREM', holds, id) == 0 then return {'gone'} end
  redis.call('HINCRBY', state, 'reserved', -tonumber(redis.call('HGET', state, 'r:' .. id) or '0'))
  redis.call('HDEL', state, 'r:' .. id)
  redis.call('HINCRBY', state, 'used', ARGV[4])
  return {'settled'}
end

if op == 'adjust' then
  -- ARGV: period, signed amount (positive debits, negative credits). Durable in Postgres already.
  if not current(ARGV[2]) then return {'gone'} end
  local amount = tonumber(ARGV[3])
  if amount >= 0 then redis.call('HINCRBY', state, 'used', amount) else redis.call('HINCRBY', state, 'credited', -amount) end
  return {'adjusted'}
end

return redis.error_reply('unknown balance operation ' .. tostring(op))
`;
