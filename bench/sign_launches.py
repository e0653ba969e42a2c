"""Writes signed LTI 1.1 launches, one form body per line, for bench/lti: OAuth 1.0a
HMAC-SHA1 as an LMS signs them, each with its own nonce and user.

    python3 bench/sign_launches.py KEY SECRET URL COUNT CONTEXT ROLE USER_PREFIX [USERS] > FILE

USERS (default 1,000) users take turns; with USERS equal to COUNT, every launch is a
user's first.
"""

import base64
import hashlib
import hmac
import sys
import time
import uuid
from urllib.parse import quote, urlencode


def enc(text):
    return quote(str(text), safe="-._~")


def sign(method, url, params, secret):
    pairs = sorted((enc(k), enc(v)) for k, v in params)
    base = "&".join([method, enc(url), enc("&".join(f"{k}={v}" for k, v in pairs))])
    digest = hmac.new(f"{enc(secret)}&".encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def main():
    key, secret, url, count, context, role, prefix = sys.argv[1:8]
    users = int(sys.argv[8]) if len(sys.argv) > 8 else 1000
    now = int(time.time())
    for n in range(int(count)):
        params = [
            ("lti_message_type", "basic-lti-launch-request"),
            ("lti_version", "LTI-1p0"),
            ("resource_link_id", "bench-link"),
            ("context_id", context),
            ("context_title", "Bench course"),
            ("user_id", f"{prefix}{n % users}"),
            ("roles", role),
            ("oauth_consumer_key", key),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_version", "1.0"),
            ("oauth_timestamp", str(now)),
            ("oauth_nonce", uuid.uuid4().hex),
        ]
        params.append(("oauth_signature", sign("POST", url, params, secret)))
        print(urlencode(params))


if __name__ == "__main__":
    main()
