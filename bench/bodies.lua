-- wrk script: POSTs form bodies read from the file in BODIES, one per line, each once;
-- every thread takes its own share, so that no two requests send the same body (signed
-- LTI launches carry a nonce that may be used once).
-- The thread count comes from THREADS, since each thread's Lua state sees only itself.
local started = 0

function setup(thread)
    thread:set("id", started)
    started = started + 1
end

function init(args)
    local all = {}
    for line in io.lines(os.getenv("BODIES")) do
        table.insert(all, line)
    end
    bodies = {}
    local count = tonumber(os.getenv("THREADS") or "1")
    for i = id + 1, #all, count do
        table.insert(bodies, all[i])
    end
    next_body = 1
end

function request()
    local body = bodies[next_body] or bodies[#bodies]
    next_body = next_body + 1
    return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
