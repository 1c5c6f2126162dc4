"""A stand-in for Google's reCAPTCHA `siteverify`: the seed's pass token succeeds, others fail.

Any non-empty secret is accepted, so every aai configuration can point here.
"""

from flask import Blueprint, jsonify, request

from auth0_emulator.state import current
from auth0_emulator.tenant import now_iso

bp = Blueprint("recaptcha", __name__)


@bp.post("/recaptcha/api/siteverify")
def siteverify():
    """Verify a reCAPTCHA response token, answering like Google."""
    values = request.form if request.form else request.args
    if not values.get("secret"):
        return jsonify({"success": False, "error-codes": ["missing-input-secret"]})
    token = values.get("response")
    if not token:
        return jsonify({"success": False, "error-codes": ["missing-input-response"]})
    if token != current().seed["recaptcha_pass_token"]:
        return jsonify({"success": False, "error-codes": ["invalid-input-response"]})
    return jsonify({"success": True, "challenge_ts": now_iso(), "hostname": request.host})
