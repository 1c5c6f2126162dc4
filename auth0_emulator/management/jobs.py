"""Management API jobs: verification emails, user exports (create, poll), and the export file's
download location, which like Auth0's pre-signed link needs no bearer token."""

from flask import Blueprint, Response

from auth0_emulator.errors import ManagementError, invalid_body, not_found
from auth0_emulator.exports import DEFAULT_FIELDS, MAX_CSV_FIELDS, ExportWriter
from auth0_emulator.jobs import Job
from auth0_emulator.management.common import blueprint, check_types, json_body, require
from auth0_emulator.state import Emulator, current

bp = blueprint("management_jobs")
downloads = Blueprint("export_downloads", __name__)
EXPORT_TYPES = {"connection_id": str, "format": str, "limit": int, "fields": list}


@bp.post("/jobs/verification-email")
def verification_email():
    """Send the user a verification email."""
    require("update:users")
    emulator, body = current(), json_body()
    check_types(body, {"user_id": str, "client_id": str, "identity": dict, "organization_id": str})
    user = emulator.tenant.user(body.get("user_id") or "")
    if user is None:
        raise not_found("user")
    job = emulator.jobs.create_verification(user.user_id)
    emulator.recorder.record_email(
        "verification_email", user.email, user_id=user.user_id, job_id=job.id
    )
    return job_json(emulator, job), 201


@bp.post("/jobs/users-exports")
def users_export():
    """Start exporting the users (all of them, or the first `limit`) to a file."""
    require("read:users")
    emulator, body = current(), json_body()
    check_types(body, EXPORT_TYPES)
    connection = emulator.tenant.connection
    if body.get("connection_id", connection.id) != connection.id:
        raise ManagementError(400, "The connection does not exist.", "inexistent_connection")
    details = {
        "connection_id": connection.id,
        "connection": connection.name,
        "format": body.get("format", "csv"),
        "limit": body.get("limit"),
        "fields": _fields(body),
    }
    if details["format"] not in ("csv", "json"):
        raise invalid_body("'No enum match for: format (csv, json)' on property format.")
    if details["format"] == "csv" and len(details["fields"]) > MAX_CSV_FIELDS:
        raise invalid_body(f"'Too many fields, maximum {MAX_CSV_FIELDS}' on property fields.")
    job = emulator.jobs.create_export(emulator.tenant.snapshot(), details)
    return job_json(emulator, job), 201


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    """A job's status; a finished export carries its download `location`."""
    require("read:users", "create:users")
    emulator = current()
    job = emulator.jobs.poll(job_id)
    if job is None:
        raise not_found("job")
    return job_json(emulator, job)


@downloads.get("/exports/<token>/<filename>")
def download(token: str, filename: str):
    """The export file: gzipped CSV or NDJSON, served as bytes (no Content-Encoding)."""
    emulator = current()
    job = emulator.jobs.by_download_token(token)
    if job is None or job.status != "completed" or filename != _filename(job):
        raise not_found("file")
    if job.file is None:
        users = job.users[: job.details["limit"]] if job.details["limit"] else job.users
        writer = ExportWriter(job.details["fields"], emulator.base_url, emulator.tenant.connection)
        job.file = writer.csv(users) if job.details["format"] == "csv" else writer.ndjson(users)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(job.file, mimetype="application/octet-stream", headers=headers)


def job_json(emulator: Emulator, job: Job) -> dict:
    body: dict[str, object] = {
        "type": job.type,
        "status": job.status,
        "created_at": job.created_at,
        "id": job.id,
    }
    if job.type != "users_export":
        return body
    body.update({key: value for key, value in job.details.items() if value is not None})
    if job.status == "processing":
        body.update(percentage_done=50, time_left_seconds=1)
    if job.status == "completed":
        body.update(percentage_done=100, time_left_seconds=0)
        body["location"] = f"{emulator.base_url}/exports/{job.download_token}/{_filename(job)}"
    if job.status == "failed":
        body["status_details"] = "The export failed (emulated)."
    return body


def _filename(job: Job) -> str:
    return f"{job.id}.{job.details['format']}.gz"


def _fields(body: dict) -> list[dict]:
    fields = body.get("fields") or [{"name": name} for name in DEFAULT_FIELDS]
    for item in fields:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise invalid_body("'Each field needs a name' on property fields.")
        if set(item) - {"name", "export_as"}:
            raise invalid_body("'Additional properties not allowed' on property fields.")
    return [{key: item[key] for key in ("name", "export_as") if key in item} for item in fields]
