-- wrk script: every request is a POST of the form body in the BODY environment variable,
-- as the Kaltura client libraries send their calls.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
