-- The full day's booking flow as a wrk script (scripts/load/wrk_day.ts starts it): each wrk thread
-- has one connection and is one virtual patient at a time, walking the same flow as
-- booking_phase.ts: POST /v1/auth/otp, the code from GET /v1/dev/outbox, POST /v1/auth/verify, then
-- per booking a day's slots of a random doctor, POST /v1/holds with an Idempotency-Key, the code
-- from the outbox and POST /v1/holds/:id/confirm. A request the connection lost (wrk reconnects and
-- asks again) and a 5xx are sent again as they were, the same key included; nothing is assumed.
--
-- One connection per thread, because wrk tells a script neither which connection a response came
-- on nor when a request went out: with one, request() and response() alternate, so the thread's
-- Lua state is the patient's state and the time between them is the request's latency.
--
-- Arguments after `--`: the config file (a Lua chunk returning {doctors, days, shares,
-- perPatient, phoneBase, deadlineMs, out}). Each thread writes `out/thread-N.tsv` when its share is
-- done (every request: endpoint, status, ms, problem code; every 201 confirm: its appointment),
-- prints "c" to stdout per confirm and "d" when done, then stops.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } vaidya_timespec;
  int clock_gettime(int clock, vaidya_timespec *ts);
]]
local ts = ffi.new("vaidya_timespec")
local function clockMs(clock)
  ffi.C.clock_gettime(clock, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local function monotonicMs() return clockMs(1) end
local function epochMs() return clockMs(0) end

local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end

local RETRIES = 12
local cfg, target, step, pending
local booked, bookedByPatient, attempts, holdConflicts, resent, patient = 0, 0, 0, 0, 0, 0
local phone, token, codeTries, loginTries, doctorId, slotStart, holdId, code, idemKey
local sendTries = 0
local lines, finished = {}, false
local nextPatient, finish

local function json(s) return '"' .. s .. '"' end

local function uuid()
  local r = math.random
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", r(0, 0x7fffffff), r(0, 0xffff),
    r(0, 0xfff), r(0x8000, 0xbfff), r(0, 0xffffff), r(0, 0xffffff))
end

function init(args)
  cfg = dofile(args[1])
  target = cfg.shares[tid]
  math.randomseed(tid * 7919 + math.floor(epochMs()) % 1000003)
  step = "done"
  if target > 0 then nextPatient() else finish() end
end

function nextPatient()
  phone = string.format("+9173%08d", (cfg.phoneBase + tid * 100000 + patient) % 100000000)
  patient = patient + 1
  token, loginTries, bookedByPatient = nil, 0, 0
  step = "otp"
end

function finish()
  if finished then return end
  finished, step = true, "done"
  local f = assert(io.open(cfg.out .. "/thread-" .. tid .. ".tsv", "w"))
  f:write(table.concat(lines, "\n"), "\n")
  f:write(string.format("T\t%d\t%d\t%d\n", attempts, holdConflicts, resent))
  f:close()
  io.write("d\n")
  io.stdout:flush()
  wrk.thread:stop()
end

-- The next booking (or login first); ends the thread when its share, attempts or time are spent.
local function nextBooking()
  if booked >= target or attempts >= target * 20 or epochMs() > cfg.deadlineMs then
    return finish()
  end
  if not token or bookedByPatient >= cfg.perPatient then return nextPatient() end
  attempts = attempts + 1
  step = "slots"
end

local function restartLogin()
  if epochMs() > cfg.deadlineMs then return finish() end
  loginTries = loginTries + 1
  if loginTries >= 20 then return nextPatient() end
  step = "otp"
end

local endpoints = {
  otp = "POST /v1/auth/otp",
  loginCode = "GET /v1/dev/outbox",
  verify = "POST /v1/auth/verify",
  slots = "GET /v1/doctors/:id/slots",
  hold = "POST /v1/holds",
  holdCode = "GET /v1/dev/outbox",
  confirm = "POST /v1/holds/:id/confirm",
}

local jsonHeaders = { ["Content-Type"] = "application/json" }

local function authHeaders(extra)
  local h = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  if extra then h["Idempotency-Key"] = extra end
  return h
end

local function build()
  if step == "otp" then
    return wrk.format("POST", "/v1/auth/otp", jsonHeaders, '{"phone":' .. json(phone) .. "}")
  elseif step == "loginCode" or step == "holdCode" then
    return wrk.format("GET", "/v1/dev/outbox?to=%2B" .. phone:sub(2))
  elseif step == "verify" then
    return wrk.format("POST", "/v1/auth/verify", jsonHeaders,
      '{"phone":' .. json(phone) .. ',"code":' .. json(code) .. "}")
  elseif step == "slots" then
    doctorId = cfg.doctors[math.random(#cfg.doctors)]
    local day = cfg.days[math.random(#cfg.days)]
    return wrk.format("GET", "/v1/doctors/" .. doctorId .. "/slots?from=" .. day .. "&to=" .. day)
  elseif step == "hold" then
    return wrk.format("POST", "/v1/holds", authHeaders(idemKey),
      '{"doctorId":' .. json(doctorId) .. ',"start":' .. json(slotStart) .. "}")
  elseif step == "confirm" then
    return wrk.format("POST", "/v1/holds/" .. holdId .. "/confirm", authHeaders(),
      '{"code":' .. json(code) .. "}")
  end
  -- Done: wrk may ask once more before the thread stops; this answer is not recorded.
  return wrk.format("GET", "/healthz")
end

-- wrk asks the first thread's script for one request before any thread starts (to count the
-- requests it pipelines): that call is not a resend when the thread asks again for real.
local calls = 0

function request()
  calls = calls + 1
  if pending then
    -- Not answered (wrk reconnected after losing the connection) or answered with a 5xx that is
    -- worth sending again: the same request goes again.
    if not (tid == 1 and calls == 2) then resent = resent + 1 end
  else
    pending = { step = step, req = build() }
  end
  pending.startedMs = monotonicMs()
  return pending.req
end

-- The newest message's code in an outbox answer, or nil (none, or a message without a code).
local function newestCode(body)
  local value = body:match('"code":("?[^,}"]*)')
  if value and value:sub(1, 1) == '"' then return value:sub(2) end
  return nil
end

local function field(body, name)
  return body:match('[{,]"' .. name .. '":"([^"]*)"')
end

-- An outbox answer: with a code, on to `next`; without one, asked again, up to RETRIES times.
local function readCode(status, body, next, giveUp)
  code = status == 200 and newestCode(body) or nil
  codeTries = codeTries + 1
  if code then
    step = next
  elseif codeTries >= RETRIES then
    giveUp()
  end
end

local function transient(status) return status >= 500 end

function response(status, headers, body)
  if not pending then return end
  local s = pending.step
  if s == "done" then
    pending = nil
    return
  end
  local problem = status >= 300 and (field(body, "code") or ("http_" .. status)) or ""
  lines[#lines + 1] = string.format("S\t%s\t%d\t%.3f\t%s", endpoints[s], status,
    monotonicMs() - pending.startedMs, problem)
  -- A hold or confirm whose answer was a 5xx goes again with its key: never assumed either way.
  sendTries = transient(status) and sendTries + 1 or 0
  if sendTries > 0 and sendTries < RETRIES and (s == "hold" or s == "confirm") then return end
  pending, sendTries = nil, 0
  if s == "otp" then
    if status == 202 then
      codeTries, step = 0, "loginCode"
    else
      restartLogin()
    end
  elseif s == "loginCode" then
    readCode(status, body, "verify", restartLogin)
  elseif s == "verify" then
    token = status == 200 and field(body, "accessToken") or nil
    if token then nextBooking() else restartLogin() end
  elseif s == "slots" then
    local starts = {}
    if status == 200 then
      for start in body:gmatch('"start":"([^"]*)"') do starts[#starts + 1] = start end
    end
    if #starts == 0 then return nextBooking() end
    slotStart, idemKey, step = starts[math.random(#starts)], uuid(), "hold"
  elseif s == "hold" then
    if status == 201 then
      holdId, codeTries, step = field(body, "id"), 0, "holdCode"
    elseif status == 401 or problem == "hold_limit_reached" then
      token = nil
      nextBooking()
    else
      if status == 409 then holdConflicts = holdConflicts + 1 end
      nextBooking()
    end
  elseif s == "holdCode" then
    readCode(status, body, "confirm", nextBooking)
  elseif s == "confirm" then
    if status == 201 then
      booked, bookedByPatient = booked + 1, bookedByPatient + 1
      lines[#lines + 1] = string.format("C\t%s\t%s\t%s\t%s\t%s", field(body, "id"),
        field(body, "doctorId"), field(body, "patientId"), field(body, "start"), field(body, "end"))
      io.write("c\n")
      io.stdout:flush()
    elseif status == 401 then
      token = nil
    end
    nextBooking()
  end
end
