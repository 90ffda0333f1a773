-- wrk script: mobile token-refresh with rotation. Each thread has one connection and its own session
-- (WRK_TOKENS: one refresh token per thread, comma-separated), and sends the refresh token the last
-- answer gave it, as a client does.
local tokens = {}
for token in string.gmatch(os.getenv("WRK_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("token", tokens[threads])
end

function request()
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, '{"refresh": "' .. token .. '"}')
end

function response(status, headers, body)
  local rotated = string.match(body, '"refresh":%s*"([^"]+)"')
  if rotated then
    token = rotated
  end
end
