"""Smoke test of the IAM/STS emulator: every feature, through boto3 and the AWS CLI.

Run: target/emulator-venv/bin/python tests/emulator/smoke_test.py
Last line: `N passed, M failed`; exits non-zero on failure.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "awscheck_emulator.py"
ACCOUNT = "123456789012"
NO_RETRY = Config(retries={"total_max_attempts": 1})
TESTS = []
URL = None  # the running emulator's endpoint, set by main()
SERVER_LOG = tempfile.TemporaryFile("w+")  # its stderr, echoed at the end


def start(stderr=None):
    proc = subprocess.Popen([sys.executable, str(LAUNCHER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=stderr, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("READY http://127.0.0.1:"), line
    return proc, line.split()[1]


def control(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{URL}/_emulator/{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def new_key(**body):
    status, key = control("POST", "keys", body)
    assert status == 200, key
    return key


def client(service, key, secret=None, region="us-east-1", config=NO_RETRY):
    """`key` is a control API key, an access key ID (with `secret`) or STS Credentials."""
    if isinstance(key, dict) and "SessionToken" in key:
        return boto3.client(service, endpoint_url=URL, region_name=region, config=config,
                            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            aws_session_token=key["SessionToken"])
    return boto3.client(service, endpoint_url=URL, region_name=region, config=config,
                        aws_access_key_id=key if isinstance(key, str) else key["access_key_id"],
                        aws_secret_access_key=secret or key["secret_access_key"])


def key_ids(user):
    status, keys = control("GET", f"users/{user}/keys")
    assert status == 200, keys
    return [k["access_key_id"] for k in keys]


def server_log():
    SERVER_LOG.seek(0)
    return SERVER_LOG.read()


def aws_cli(key, *args):
    """Runs the AWS CLI (JSON output) with the key in a credentials file and AWS_ENDPOINT_URL."""
    with tempfile.TemporaryDirectory() as home:
        Path(home, "credentials").write_text(
            f"[default]\naws_access_key_id = {key['access_key_id']}\naws_secret_access_key = {key['secret_access_key']}\n")
        Path(home, "config").write_text("[default]\nregion = us-east-1\n")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": home, "AWS_ENDPOINT_URL": URL,
               "AWS_SHARED_CREDENTIALS_FILE": f"{home}/credentials", "AWS_CONFIG_FILE": f"{home}/config"}
        aws = str(Path(sys.executable).parent / "aws")
        return subprocess.run([aws, *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=60)


def error_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


def raw_bodies(boto_client):
    """Collects the raw HTTP bodies a client receives."""
    bodies = []
    boto_client.meta.events.register("after-call", lambda http_response, **_: bodies.append(http_response.text))
    return bodies


def check(name):
    def register(test):
        TESTS.append((name, test))
        return test
    return register


def utc(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@check("control API creates a user and a key; GetCallerIdentity answers the user ARN")
def _():
    status, user = control("POST", "users", {"user": "alice"})
    assert status == 200 and user == {"user": "alice", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                                      "require_mfa": False}, user
    key = new_key(user="alice")
    assert key["user"] == "alice" and key["access_key_id"].startswith("AKIA"), key
    identity = client("sts", key).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice" and identity["Account"] == ACCOUNT, identity
    new_key(user="bob")  # a key for a user that does not exist yet creates the user
    assert client("iam", key).get_user(UserName="bob")["User"]["UserName"] == "bob"


@check("a root key answers the root ARN; ListAccessKeys and GetAccessKeyLastUsed work for it")
def _():
    key = new_key(root=True)
    identity = client("sts", key).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:root" and identity["UserId"] == ACCOUNT, identity
    iam = client("iam", key)
    assert [k["AccessKeyId"] for k in iam.list_access_keys()["AccessKeyMetadata"]] == [key["access_key_id"]]
    assert "LastUsedDate" in iam.get_access_key_last_used(AccessKeyId=key["access_key_id"])["AccessKeyLastUsed"]
    assert control("GET", f"keys/{key['access_key_id']}")[1]["root"] is True


@check("ListAccessKeys shows a backdated CreateDate")
def _():
    key = new_key(user="alice", created="2023-05-06T07:08:09Z")
    (listed,) = client("iam", key).list_access_keys()["AccessKeyMetadata"]
    assert listed["CreateDate"] == datetime(2023, 5, 6, 7, 8, 9, tzinfo=timezone.utc), listed
    assert listed["Status"] == "Active"


@check("GetAccessKeyLastUsed shows the backdated use, then the fresh one after a call")
def _():
    key = new_key(user="alice", last_used="2024-02-03T04:05:06+01:00", last_used_service="s3",
                  last_used_region="eu-west-1")
    iam = client("iam", key)
    used = iam.get_access_key_last_used(AccessKeyId=key["access_key_id"])["AccessKeyLastUsed"]
    assert used == {"LastUsedDate": datetime(2024, 2, 3, 3, 5, 6, tzinfo=timezone.utc), "ServiceName": "s3",
                    "Region": "eu-west-1"}, used
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    used = iam.get_access_key_last_used(AccessKeyId=key["access_key_id"])["AccessKeyLastUsed"]
    assert used["LastUsedDate"] >= before and used["ServiceName"] == "iam", used
    client("sts", key, region="eu-central-1").get_caller_identity()
    state = control("GET", f"keys/{key['access_key_id']}")[1]
    assert state["last_used_service"] == "sts" and state["last_used_region"] == "eu-central-1", state
    assert utc(state["last_used"]) >= before, state


@check("a key never used has no LastUsedDate; control API GET/PATCH a key; 404 for unknown")
def _():
    key = new_key(user="alice", status="Inactive")
    used = client("iam", new_key(user="admin")).get_access_key_last_used(AccessKeyId=key["access_key_id"])
    assert "LastUsedDate" not in used["AccessKeyLastUsed"], used
    status, state = control("GET", f"keys/{key['access_key_id']}")
    assert status == 200 and state["status"] == "Inactive" and state["last_used"] is None, state
    assert state["last_used_service"] is None and state["user"] == "alice", state
    status, state = control("PATCH", f"keys/{key['access_key_id']}",
                            {"status": "Active", "created": "2020-01-01T00:00:00Z", "last_used": "2021-01-01T00:00:00Z"})
    assert status == 200 and state["status"] == "Active" and state["created"] == "2020-01-01T00:00:00Z", state
    assert state["last_used"] == "2021-01-01T00:00:00Z" and state["last_used_service"] == "iam", state
    status, state = control("PATCH", f"keys/{key['access_key_id']}", {"last_used": None})
    assert state["last_used"] is None and state["last_used_region"] is None, state
    assert control("GET", "keys/AKIANOSUCHKEY0000000")[0] == 404
    assert control("POST", "keys", {"user": "alice", "created": "yesterday"})[0] == 400


@check("an Inactive key is rejected with InvalidClientTokenId and its last use is not recorded")
def _():
    key = new_key(user="alice", status="Inactive")
    sts = client("sts", key)
    bodies = raw_bodies(sts)
    assert error_of(sts.get_caller_identity) == "InvalidClientTokenId"
    assert '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>' in bodies[0], bodies
    assert error_of(client("iam", key).list_access_keys) == "InvalidClientTokenId"
    assert control("GET", f"keys/{key['access_key_id']}")[1]["last_used"] is None
    control("PATCH", f"keys/{key['access_key_id']}", {"status": "Active"})
    assert client("sts", key).get_caller_identity()["Arn"].endswith(":user/alice")


@check("an unknown key gets InvalidClientTokenId, a wrong secret SignatureDoesNotMatch, in AWS's XML shape")
def _():
    for service, call, namespace in [("sts", "get_caller_identity", "https://sts.amazonaws.com/doc/2011-06-15/"),
                                     ("iam", "list_access_keys", "https://iam.amazonaws.com/doc/2010-05-08/")]:
        unknown = client(service, "AKIAUNKNOWNKEY000000", "x" * 40)
        bodies = raw_bodies(unknown)
        assert error_of(getattr(unknown, call)) == "InvalidClientTokenId"
        assert bodies[0].startswith(f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type>'
                                    "<Code>InvalidClientTokenId</Code>"), bodies
        key = new_key(user=f"user-{service}")
        wrong = client(service, key, secret="y" * 40)
        bodies = raw_bodies(wrong)
        assert error_of(getattr(wrong, call)) == "SignatureDoesNotMatch"
        assert "<RequestId>" in bodies[0] and "<Errors>" not in bodies[0], bodies
        assert control("GET", f"keys/{key['access_key_id']}")[1]["last_used"] is None, "wrong secret counted as use"


@check("a deleted key gets InvalidClientTokenId; a denied action gets AccessDenied")
def _():
    control("POST", "users", {"user": "limited", "policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetAccessKeyLastUsed", "Resource": "*"}]}})
    limited = new_key(user="limited")
    assert error_of(client("iam", limited).list_access_keys) == "AccessDenied"
    key = new_key(user="alice")
    client("iam", key).delete_access_key(UserName="alice", AccessKeyId=key["access_key_id"])
    assert error_of(client("sts", key).get_caller_identity) == "InvalidClientTokenId"


@check("each fault kind answers its error code; count, access_key_id and DELETE work")
def _():
    key, other = new_key(user="alice"), new_key(user="bob")
    expected = {"throttle": ("Throttling", 400), "server-error": ("InternalFailure", 500),
                "access-denied": ("AccessDenied", 403), "expired-token": ("ExpiredToken", 403),
                "invalid-token": ("InvalidClientTokenId", 403)}
    for kind, (code, status) in expected.items():
        control("POST", "faults", {"action": "ListAccessKeys", "kind": kind, "count": 1})
        try:
            client("iam", key).list_access_keys()
            raise AssertionError(f"{kind}: no fault")
        except ClientError as e:
            assert (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
        client("iam", key).list_access_keys()  # count 1: the next call is fine again
    control("POST", "faults", {"action": "GetCallerIdentity", "kind": "throttle", "count": 2})
    sts = client("sts", key)
    assert [error_of(sts.get_caller_identity) for _ in range(2)] == ["Throttling"] * 2
    sts.get_caller_identity()
    control("POST", "faults", {"action": "*", "kind": "expired-token", "access_key_id": key["access_key_id"]})
    for _ in range(3):  # no count: every matching call
        assert error_of(client("sts", key).get_caller_identity) == "ExpiredToken"
    client("sts", other).get_caller_identity()  # another key is not affected
    control("DELETE", "faults")
    client("sts", key).get_caller_identity()
    assert control("POST", "faults", {"action": "*", "kind": "explode"})[0] == 400


@check("target_access_key_id limits a fault to calls about that key; the fault JSON echoes every filter")
def _():
    admin, a, b = new_key(user="admin"), new_key(user="alice"), new_key(user="alice")
    status, fault = control("POST", "faults", {"action": "DeleteAccessKey", "kind": "access-denied",
                                               "target_access_key_id": a["access_key_id"]})
    assert status == 200 and fault == {"action": "DeleteAccessKey", "kind": "access-denied", "count": None,
                                       "access_key_id": None, "except_access_key_id": None,
                                       "target_access_key_id": a["access_key_id"], "sessions_only": False}, fault
    iam = client("iam", admin)
    iam.delete_access_key(UserName="alice", AccessKeyId=b["access_key_id"])
    assert error_of(lambda: iam.delete_access_key(UserName="alice", AccessKeyId=a["access_key_id"])) == "AccessDenied"
    assert key_ids("alice") == [a["access_key_id"]]


@check("sessions_only: an expired-token fault hits GetSessionToken credentials, not long-term keys")
def _():
    key = new_key(user="alice")
    session = client("sts", key).get_session_token()["Credentials"]
    assert session["AccessKeyId"].startswith("ASIA"), session
    status, fault = control("POST", "faults", {"action": "*", "kind": "expired-token", "sessions_only": True})
    assert status == 200 and fault["sessions_only"] is True, fault
    client("iam", key).list_access_keys()
    client("sts", key).get_caller_identity()
    assert error_of(client("iam", session).list_access_keys) == "ExpiredToken"
    assert error_of(client("sts", session).get_caller_identity) == "ExpiredToken"
    assert control("POST", "faults", {"action": "*", "kind": "throttle", "sessions_only": "yes"})[0] == 400


@check("lose-answer: the call is carried out, its answer lost; boto3's retry then meets the effect")
def _():
    key = new_key(user="alice")
    iam = client("iam", key, config=Config())  # boto3's default retries
    control("POST", "faults", {"action": "CreateAccessKey", "kind": "lose-answer", "count": 1})
    # The first call created alice's second key; its retry exceeds moto's 2 keys per user.
    assert error_of(lambda: iam.create_access_key(UserName="alice")) == "LimitExceeded"
    (created,) = [k for k in key_ids("alice") if k != key["access_key_id"]]
    control("POST", "faults", {"action": "DeleteAccessKey", "kind": "lose-answer", "count": 1})
    assert error_of(lambda: iam.delete_access_key(UserName="alice", AccessKeyId=created)) == "NoSuchEntity"
    assert key_ids("alice") == [key["access_key_id"]]
    assert [c["action"] for c in control("GET", "calls")[1]] == ["CreateAccessKey"] * 2 + ["DeleteAccessKey"] * 2


@check("lose-answer without retries: the connection closes at once, the effect stays, the server goes on")
def _():
    key, other = new_key(user="alice"), new_key(user="alice")
    control("POST", "faults", {"action": "UpdateAccessKey", "kind": "lose-answer", "count": 1})
    started = time.monotonic()
    try:
        client("iam", key).update_access_key(UserName="alice", AccessKeyId=other["access_key_id"], Status="Inactive")
        raise AssertionError("the call was answered")
    except ConnectionClosedError:
        pass
    assert time.monotonic() - started < 1, "not at once"
    assert control("GET", f"keys/{other['access_key_id']}")[1]["status"] == "Inactive"
    client("sts", key).get_caller_identity()
    assert "Traceback" not in server_log() and "Error on request" not in server_log(), server_log()


@check("require_mfa: IAM calls need a session made with MFA; STS calls do not")
def _():
    key = new_key(user="mallory")
    status, user = control("POST", "users", {"user": "mallory", "require_mfa": True})  # an existing user
    assert status == 200 and user["require_mfa"] is True, user
    iam = client("iam", key)
    bodies = raw_bodies(iam)
    assert error_of(iam.list_access_keys) == "AccessDenied"
    assert (f"<Message>User: arn:aws:iam::{ACCOUNT}:user/mallory is not authorized to perform: iam:ListAccessKeys "
            "with an explicit deny in an identity-based policy</Message>") in bodies[0], bodies
    sts = client("sts", key)
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/mallory"
    without_mfa = sts.get_session_token()["Credentials"]
    client("sts", without_mfa).get_caller_identity()
    assert error_of(client("iam", without_mfa).list_access_keys) == "AccessDenied"
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/mallory"
    with_mfa = sts.get_session_token(SerialNumber=serial, TokenCode="123456")["Credentials"]
    assert client("iam", with_mfa).list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"] == key["access_key_id"]
    control("POST", "users", {"user": "mallory"})  # require_mfa false again
    iam.list_access_keys()


@check("an MFA code works once; a code that is not 6 digits fails; reset forgets used codes")
def _():
    sts = client("sts", new_key(user="alice"))
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
    bodies = raw_bodies(sts)
    sts.get_session_token(SerialNumber=serial, TokenCode="123456")
    for code in ("123456", "12345a", "1234567"):  # botocore itself refuses fewer than 6 characters
        assert error_of(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=code)) == "AccessDenied", code
        assert "<Message>MultiFactorAuthentication failed with invalid MFA one time pass code. </Message>" in bodies[-1]
    sts.get_session_token(SerialNumber=serial, TokenCode="654321")
    assert error_of(lambda: sts.get_session_token(TokenCode="111111")) == "AccessDenied"  # no SerialNumber
    control("POST", "reset")
    client("sts", new_key(user="alice")).get_session_token(SerialNumber=serial, TokenCode="123456")


@check("GET users/<user>/keys lists every key of the user with its status; 404 for an unknown user")
def _():
    a = new_key(user="alice", created="2023-01-02T03:04:05Z")
    b = new_key(user="alice", status="Inactive")
    status, keys = control("GET", "users/alice/keys")
    assert status == 200 and keys[0] == {"access_key_id": a["access_key_id"], "status": "Active",
                                         "created": "2023-01-02T03:04:05Z"}, keys
    assert [(k["access_key_id"], k["status"]) for k in keys] == [(a["access_key_id"], "Active"),
                                                                  (b["access_key_id"], "Inactive")], keys
    assert abs(utc(keys[1]["created"]) - datetime.now(timezone.utc)) < timedelta(seconds=10), keys
    control("POST", "users", {"user": "nokeys"})
    assert control("GET", "users/nokeys/keys") == (200, [])
    assert control("GET", "users/nobody/keys")[0] == 404


@check("a hanging call does not block other calls")
def _():
    key = new_key(user="alice")
    control("POST", "faults", {"action": "ListAccessKeys", "kind": "hang", "count": 1})
    outcome = []
    slow = client("iam", key, config=Config(retries={"total_max_attempts": 1}, read_timeout=2))

    def hang():
        try:
            slow.list_access_keys()
            outcome.append("answered")
        except ReadTimeoutError:
            outcome.append("timeout")
    thread = threading.Thread(target=hang)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    client("sts", key).get_caller_identity()
    assert time.monotonic() - started < 1
    thread.join()
    assert outcome == ["timeout"], outcome


@check("latency delays AWS calls, not control calls")
def _():
    key = new_key(user="alice")
    sts = client("sts", key)
    sts.get_caller_identity()  # warm the connection
    control("POST", "latency", {"ms": 400})
    started = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    control("GET", "calls")
    assert time.monotonic() - started < 0.3
    control("POST", "latency", {"ms": 0})
    started = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - started < 0.3


@check("the calls list records every AWS call; DELETE clears it")
def _():
    key = new_key(user="alice")
    client("sts", key).get_caller_identity()
    client("iam", key).list_access_keys()
    error_of(client("sts", "AKIAUNKNOWNKEY000000", "x" * 40).get_caller_identity)
    calls = control("GET", "calls")[1]
    assert [(c["action"], c["access_key_id"]) for c in calls] == [
        ("GetCallerIdentity", key["access_key_id"]), ("ListAccessKeys", key["access_key_id"]),
        ("GetCallerIdentity", "AKIAUNKNOWNKEY000000")], calls
    assert all(abs(utc(c["time"]) - datetime.now(timezone.utc)) < timedelta(seconds=10) for c in calls), calls
    control("DELETE", "calls")
    assert control("GET", "calls")[1] == []


@check("a user holds at most 2 keys: CreateAccessKey fails with LimitExceeded")
def _():
    key = new_key(user="alice")
    iam = client("iam", key)
    iam.create_access_key(UserName="alice")
    assert error_of(lambda: iam.create_access_key(UserName="alice")) == "LimitExceeded"
    assert control("POST", "keys", {"user": "alice"})[0] == 409


@check("reset wipes keys, faults, latency and require_mfa")
def _():
    key = new_key(user="alice")
    control("POST", "users", {"user": "alice", "require_mfa": True})
    control("POST", "faults", {"action": "*", "kind": "throttle"})
    control("POST", "latency", {"ms": 500})
    control("POST", "reset")
    # The first calls after a reset build the account again (AWS managed policies included).
    fresh = new_key(user="alice")
    client("sts", fresh).get_caller_identity()
    started = time.monotonic()
    assert error_of(client("sts", key).get_caller_identity) == "InvalidClientTokenId"
    assert time.monotonic() - started < 0.4
    client("iam", fresh).list_access_keys()


@check("the AWS CLI works against the emulator with AWS_ENDPOINT_URL and a credentials file")
def _():
    key = new_key(user="carol", created="2022-01-01T00:00:00Z")
    out = aws_cli(key, "sts", "get-caller-identity")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/carol", out.stdout
    out = aws_cli(key, "iam", "list-access-keys")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["AccessKeyMetadata"][0]["CreateDate"].startswith("2022-01-01T00:00:00")


@check("the AWS CLI retries a call whose answer was lost (lose-answer) and succeeds")
def _():
    key, other = new_key(user="carol"), new_key(user="carol")
    control("POST", "faults", {"action": "UpdateAccessKey", "kind": "lose-answer", "count": 1})
    out = aws_cli(key, "iam", "update-access-key", "--user-name", "carol", "--access-key-id", other["access_key_id"],
                  "--status", "Inactive")
    assert out.returncode == 0, out.stderr
    assert [c["action"] for c in control("GET", "calls")[1]] == ["UpdateAccessKey"] * 2
    assert control("GET", f"keys/{other['access_key_id']}")[1]["status"] == "Inactive"


def stops(how):
    proc, _ = start()
    started = time.monotonic()
    if how == "eof":
        proc.stdin.close()
    else:
        proc.send_signal(how)
    code = proc.wait(timeout=5)
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"took {elapsed:.1f}s"
    assert code == 0, code


@check("CloudTrail LookupEvents: every call is an event of its key, in the signing region, newest first")
def _():
    key = new_key(user="trail")
    sts = client("sts", key)
    sts.get_caller_identity()
    client("iam", key).list_access_keys()
    client("sts", key, region="eu-west-1").get_caller_identity()
    trail = client("cloudtrail", key)
    events = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "AccessKeyId", "AttributeValue": key["access_key_id"]}])["Events"]
    names = [e["EventName"] for e in events]
    # The lookup itself is an event too, but only once it has been answered.
    assert names == ["ListAccessKeys", "GetCallerIdentity"], names
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["userIdentity"]["accessKeyId"] == key["access_key_id"], record
    assert record["userIdentity"]["userName"] == "trail" and record["sourceIPAddress"] == "127.0.0.1", record
    assert record["userAgent"].startswith("Boto3/") and record["awsRegion"] == "us-east-1", record
    assert events[0]["ReadOnly"] == "true" and events[0]["Username"] == "trail", events[0]
    time.sleep(1.1)
    elsewhere = client("cloudtrail", key, region="eu-west-1").lookup_events()["Events"]
    assert [e["EventName"] for e in elsewhere] == ["GetCallerIdentity"], elsewhere


@check("CloudTrail LookupEvents: injected events, time ranges, pages and NextToken, errors recorded")
def _():
    key = new_key(user="leaked")
    now = datetime.now(timezone.utc)
    for minutes, name, error in [(90, "GetCallerIdentity", None), (80, "ListUsers", "AccessDenied"),
                                 (70, "ListBuckets", "AccessDenied")]:
        status, event = control("POST", "events", {
            "access_key_id": key["access_key_id"], "event_name": name, "error_code": error,
            "time": (now - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source_ip": "203.0.113.66", "user_agent": "TruffleHog"})
        assert status == 200, event
    assert control("POST", "events", {"event_name": "x"})[0] == 400
    trail = client("cloudtrail", key)
    by_key = [{"AttributeKey": "AccessKeyId", "AttributeValue": key["access_key_id"]}]
    first = trail.lookup_events(LookupAttributes=by_key, MaxResults=2)
    assert [e["EventName"] for e in first["Events"]] == ["ListBuckets", "ListUsers"], first
    record = json.loads(first["Events"][1]["CloudTrailEvent"])
    assert record["errorCode"] == "AccessDenied" and record["userAgent"] == "TruffleHog", record
    assert record["sourceIPAddress"] == "203.0.113.66", record
    second = trail.lookup_events(LookupAttributes=by_key, MaxResults=2, NextToken=first["NextToken"])
    assert [e["EventName"] for e in second["Events"]] == ["GetCallerIdentity"] and "NextToken" not in second
    time.sleep(1.1)
    window = trail.lookup_events(LookupAttributes=by_key, StartTime=now - timedelta(minutes=75),
                                 EndTime=now - timedelta(minutes=60))["Events"]
    assert [e["EventName"] for e in window] == ["ListBuckets"], window
    other = new_key(user="other")
    client("iam", other).list_users()
    denied = [e for e in trail.lookup_events()["Events"] if e["AccessKeyId"] == other["access_key_id"]]
    assert denied and json.loads(denied[0]["CloudTrailEvent"]).get("errorCode") is None, denied
    control("POST", "faults", {"action": "GetUser", "kind": "access-denied", "count": 1})
    assert error_of(lambda: client("iam", other).get_user()) == "AccessDenied"
    time.sleep(1.1)
    events = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "AccessKeyId", "AttributeValue": other["access_key_id"]}])["Events"]
    refused = [json.loads(e["CloudTrailEvent"]) for e in events if e["EventName"] == "GetUser"]
    assert refused and refused[0]["errorCode"] == "AccessDenied", refused


@check("CloudTrail LookupEvents: more than 2 a second per region is throttled; faults answer in JSON")
def _():
    key = new_key(user="fast")
    trail = client("cloudtrail", key)
    trail.lookup_events()
    trail.lookup_events()
    assert error_of(lambda: trail.lookup_events()) == "ThrottlingException"
    client("cloudtrail", key, region="eu-west-1").lookup_events()  # another region has its own limit
    time.sleep(1.1)
    trail.lookup_events()
    control("POST", "faults", {"action": "LookupEvents", "kind": "access-denied", "count": 1})
    time.sleep(1.1)
    assert error_of(lambda: trail.lookup_events()) == "AccessDeniedException"
    assert error_of(lambda: client("cloudtrail", "AKIANOTAKEY000000000", "x").lookup_events()) == \
        "UnrecognizedClientException"
    sessions = client("sts", key).get_session_token()["Credentials"]
    time.sleep(1.1)
    minted = [json.loads(e["CloudTrailEvent"]) for e in trail.lookup_events()["Events"]
              if e["EventName"] == "GetSessionToken"]
    assert minted[0]["responseElements"]["credentials"]["accessKeyId"] == sessions["AccessKeyId"], minted
    result = aws_cli(key, "cloudtrail", "lookup-events", "--max-results", "1")
    assert result.returncode == 0 and len(json.loads(result.stdout)["Events"]) == 1, result.stderr


@check("SSO portal Logout: the bearer token is signed out; none is a 401; reset forgets")
def _():
    sso = boto3.client("sso", endpoint_url=URL, region_name="eu-west-1", config=NO_RETRY,
                       aws_access_key_id="unused", aws_secret_access_key="unused")
    sso.logout(accessToken="test-sso-token-1")
    assert control("GET", "sso/logouts") == (200, ["test-sso-token-1"])
    request = urllib.request.Request(f"{URL}/logout", data=b"", method="POST")
    try:
        urllib.request.urlopen(request)
        raise AssertionError("a logout without a token succeeded")
    except urllib.error.HTTPError as e:
        assert e.code == 401 and json.loads(e.read())["__type"] == "UnauthorizedException"
    control("POST", "reset")
    assert control("GET", "sso/logouts") == (200, [])


@check("a deny on aws:TokenIssueTime ends older sessions, never long-term keys or newer sessions")
def _():
    key = new_key(user="revoked")
    older = client("sts", key).get_session_token()["Credentials"]
    time.sleep(1.1)
    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)
    client("iam", key).put_user_policy(UserName="revoked", PolicyName="awscheck-revoke-older-sessions",
                                       PolicyDocument=json.dumps({
                                           "Version": "2012-10-17",
                                           "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                                                          "Condition": {"DateLessThan": {
                                                              "aws:TokenIssueTime": before}}}]}))
    client("iam", key).list_access_keys()  # the long-term key: no issue time, not denied
    assert error_of(lambda: client("iam", older).list_access_keys()) == "AccessDenied"
    newer = client("sts", key).get_session_token()["Credentials"]
    client("iam", newer).list_access_keys()


check("the emulator exits within 2 s on stdin EOF")(lambda: stops("eof"))
check("the emulator exits within 2 s on SIGTERM")(lambda: stops(signal.SIGTERM))


def main():
    global URL
    proc, URL = start(stderr=SERVER_LOG)
    passed = failed = 0
    try:
        for name, test in TESTS:
            control("POST", "reset")
            try:
                test()
                passed += 1
                print(f"ok    {name}", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL  {name}\n{traceback.format_exc()}", flush=True)
    finally:
        proc.stdin.close()
        proc.wait(timeout=5)
        sys.stderr.write(server_log())
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
