"""Clients that do not read what they asked for: downloads cut off at every stage, ranges
abandoned, and a client that stops reading but keeps its connection. None of them may leave
an open file, a connection or memory behind in the server.
"""

import os
from collections import Counter
import socket
import time

import pytest
import requests

from conftest import Api, server_of_its_own

SEND_TIMEOUT_S = 2


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    with server_of_its_own(tmp_path_factory.mktemp("slow-data"),
                           tmp_path_factory.mktemp("slow-logs"),
                           extra_args=["--send-timeout-seconds", str(SEND_TIMEOUT_S)]) as quad:
        yield quad


@pytest.fixture(scope="module")
def big_entry(slow_server, tmp_path_factory, media_sample):
    """A 64 MB source (the sample with padding after it) and its owner's media URL."""
    api = Api(slow_server, slow_server.create_partner("slow"), tmp_path_factory.mktemp("s"))
    owner = api.uid("owner")
    data = media_sample + os.urandom(64 * 1024 * 1024)
    entry = api.ingest(api.user(owner), data)
    pid = api.partner.id
    path = (f"/p/{pid}/sp/{pid}00/playManifest/entryId/{entry.id}/format/url/protocol/http/"
            f"ks/{api.ks_v2(owner, 0)}/a.mp4")
    return path, len(data)


def describe_files(pid):
    """What the server holds open that an answer could leave behind: media files and
    connections (the database's files come and go with its connection pool)."""
    names = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            name = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if name.startswith("socket:") or "/media/" in name:
            names.append(name)
    return sorted(names)


def open_files(pid):
    return len(describe_files(pid))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def ask(server, path, headers=(), read=65536, receive_buffer=None):
    """Sends a GET on a raw socket, reads `read` bytes of the answer, and returns the
    socket, still open."""
    conn = socket.socket()
    if receive_buffer:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    conn.connect(("127.0.0.1", server.port))
    lines = [f"GET {path} HTTP/1.1", f"Host: {server.host}", *headers, "", ""]
    conn.sendall("\r\n".join(lines).encode())
    got = 0
    while got < read:
        chunk = conn.recv(min(65536, read - got))
        if not chunk:
            break
        got += len(chunk)
    return conn


def settle(pid, baseline, timeout_s=10):
    deadline = time.monotonic() + timeout_s
    while open_files(pid) > baseline and time.monotonic() < deadline:
        time.sleep(0.1)
    return open_files(pid)


def test_downloads_cut_off_at_any_point_leave_no_open_file_or_memory_behind(slow_server,
                                                                           big_entry):
    path, size = big_entry
    pid = slow_server.proc.pid
    requests.get(slow_server.url + path, headers={"Range": "bytes=0-1000"}, timeout=30)
    baseline_files, baseline_rss = open_files(pid), rss_kib(pid)
    before = describe_files(pid)

    for i in range(150):
        kind = i % 3
        headers = [] if kind == 0 else [f"Range: bytes={i * 4096}-"] if kind == 1 else \
            ["Range: bytes=0-99,1000000-1999999,-5000000"]
        conn = ask(slow_server, path, headers, read=(i % 7) * 40_000)
        # A hang-up half the time with a reset, half with an orderly close.
        if i % 2:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    files = settle(pid, baseline_files)
    growth_mib = (rss_kib(pid) - baseline_rss) / 1024
    whole = requests.get(slow_server.url + path, timeout=60)

    left = sorted((Counter(describe_files(pid)) - Counter(before)).elements())
    assert files <= baseline_files, f"left open: {left}"
    assert growth_mib < 32, f"memory grew by {growth_mib:.1f} MiB"
    assert len(whole.content) == size, "the server still serves whole answers"


def test_a_client_that_stops_reading_is_let_go_after_the_send_timeout(slow_server, big_entry):
    path, size = big_entry
    pid = slow_server.proc.pid
    baseline_files = open_files(pid)

    stalled = [ask(slow_server, path, read=100_000, receive_buffer=65536) for _ in range(5)]
    held = open_files(pid)
    time.sleep(SEND_TIMEOUT_S + 3)
    after_timeout = settle(pid, baseline_files)
    received = []
    for conn in stalled:
        conn.settimeout(10)
        total = 0
        try:
            while chunk := conn.recv(1 << 20):
                total += len(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
        received.append(total)
        conn.close()

    assert held >= baseline_files + 5, "each stalled download held its connection and file"
    assert after_timeout <= baseline_files, "the server let them all go"
    assert all(r < size for r in received), "no stalled client got the whole file"
