"""Hand a session to a coach on another machine: a zip bundle, validated on import.

A bundle holds ``starcoach-bundle.json`` (format, session id, the SHA-256 of every file) and the
session folder under its id: ``<id>/session.json`` and ``<id>/audio/*``. Nothing in a bundle is
trusted on import: member names must be plain relative paths under ``<id>/`` (no ``..``, no
absolute paths, no links, no drive letters: no zip-slip), file types and sizes are limited, the
checksums must match, ``session.json`` must have the shape of a session whose audio paths stay in
its folder, and the session is unpacked next to the others and renamed into place in one step.

What is unpacked is capped by what the session declares: only audio files the session names are
unpacked (others are skipped and reported), each at most its declared duration times
:data:`MAX_AUDIO_BYTES_PER_S`, copied to disk in 1 MB pieces, so a small bundle holding a
gigabyte of zeros neither fills the disk nor the memory. Audio the session names but the bundle
lacks is reported too (it replays as silence).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from starcoach import __version__
from starcoach.errors import StorageError
from starcoach.paths import sessions_dir
from starcoach.session import SESSION_ID_RE, Session
from starcoach.store import (
    LOCK_NAME, hold_session, resolve_inside, resolve_session_id, session_dir, session_from_json, session_lock,
)

#: Version of the bundle layout.
BUNDLE_FORMAT = 1
MANIFEST = "starcoach-bundle.json"
#: Audio file names a bundle may carry.
AUDIO_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(wav|flac|ogg|oga|opus|mp3|m4a|webm)$")
#: Limits against hostile archives.
MAX_FILES = 1000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_JSON_BYTES = 64 * 1024**2
#: An audio file may hold at most this many bytes per second of audio the session declares for it
#: (48 kHz stereo float WAV; starcoach itself records 32 000 B/s), plus AUDIO_SLACK_BYTES.
MAX_AUDIO_BYTES_PER_S = 384_000
AUDIO_SLACK_BYTES = 1024**2
#: Audio is copied out of the zip in pieces of this size (never whole in memory).
_CHUNK = 1024**2


class BundleError(StorageError):
    """A bundle cannot be written or is not a valid starcoach bundle."""


@dataclass
class BundleInfo:
    """A bundle written or imported.

    Attributes:
        path: The zip file.
        session_id: The session it carries.
        files: Number of session files in it.
        bytes: Size of those files, uncompressed.
        replaced: On import, True if an existing session with the same id was replaced.
        missing_audio: On import, audio files the session names that the bundle does not hold.
        skipped: On import, files in the bundle the session does not use (not unpacked).
    """

    path: Path
    session_id: str
    files: int
    bytes: int
    replaced: bool = False
    missing_audio: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def export_bundle(ref: str, path: Path) -> BundleInfo:
    """Write session ``ref`` (id, prefix or ``latest``) to the zip ``path``."""
    session_id = resolve_session_id(ref)
    folder = session_dir(session_id)
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink() and _exportable(folder, p)]
    digests = {f"{session_id}/{p.relative_to(folder).as_posix()}": _sha256(p) for p in files}
    manifest = {"format": BUNDLE_FORMAT, "session_id": session_id, "starcoach": __version__,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "files": digests}
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2), compress_type=zipfile.ZIP_DEFLATED)
            for p in files:
                name = f"{session_id}/{p.relative_to(folder).as_posix()}"
                kind = zipfile.ZIP_DEFLATED if p.suffix == ".json" or p.suffix == ".wav" else zipfile.ZIP_STORED
                zf.write(p, name, compress_type=kind)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"Cannot write bundle {path} ({e.strerror})", "choose another path") from e
    return BundleInfo(path, session_id, len(files), sum(p.stat().st_size for p in files))


def import_bundle(path: Path, replace: bool = False) -> BundleInfo:
    """Validate the zip ``path`` and add its session to the store.

    Args:
        path: The bundle.
        replace: Replace an existing session with the same id (else that is an error).

    Raises:
        BundleError: the file is not a valid bundle, or unpacks to more than its session declares;
            the message says what is wrong.
        InUse: ``replace`` of a session a live run holds.
    """
    path = Path(path)
    if not path.is_file():
        raise BundleError(f"No bundle at {path}", "give the path of a session bundle (.zip) exported by starcoach")
    if not zipfile.is_zipfile(path):
        raise BundleError(f"{path} is not a zip file", "give a session bundle (.zip) exported by starcoach")
    try:
        return _import(path, replace)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise BundleError(f"{path} is damaged ({e})", "export the bundle again") from e


def _import(path: Path, replace: bool) -> BundleInfo:
    with zipfile.ZipFile(path) as zf:
        manifest = _read_manifest(zf, path)
        session_id = manifest["session_id"]
        members = _check_members(zf, path, session_id, manifest["files"])
        raw = _read_limited(zf, zf.getinfo(f"{session_id}/session.json"), MAX_JSON_BYTES)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise BundleError(f"{path}: session.json is not JSON ({e})", "export the bundle again") from e
        session = session_from_json(data, f"{path}: session.json", fix="export the bundle again")
        if session.session_id != session_id:
            raise BundleError(f"{path}: session.json is for {session.session_id!r}, the manifest for {session_id!r}",
                              "export the bundle again")
        _check_audio_refs(session, path)
        declared = _declared_audio(session)
        prefix = f"{session_id}/"
        present = {name[len(prefix):] for name in members}
        missing = sorted(rel for rel in declared if rel not in present)
        skipped = sorted(rel for rel in present if rel != "session.json" and rel not in declared)
        wanted = [name for name in members if name[len(prefix):] not in skipped]
        for name in wanted:
            _check_audio_size(zf.getinfo(name), name[len(prefix):], declared, path)
        final = session_dir(session_id)
        exists = final.exists()
        if exists and not replace:
            raise BundleError(f"Session {session_id} already exists here",
                              "replace it, or delete the session here first", instead=("replace",))
        staging = sessions_dir() / f".import-{session_id}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        total = 0
        try:
            for name in wanted:
                info = zf.getinfo(name)
                rel = name[len(prefix):]
                target = resolve_inside(staging, rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                limit = min(MAX_TOTAL_BYTES - total, _audio_cap(rel, declared))
                total += _copy_member(zf, info, target, limit, manifest["files"][name], path)
            if exists:
                with hold_session(session_id, "the run recording into it"), session_lock(session_id):
                    trash = final.with_name(f".replaced-{session_id}-{os.getpid()}")
                    os.replace(final, trash)
                    os.replace(staging, final)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(staging, final)
        except OSError as e:
            raise BundleError(f"Cannot unpack {path} ({e.strerror})", "check the disk and STARCOACH_HOME") from e
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return BundleInfo(path, session_id, len(wanted), total, replaced=exists, missing_audio=missing, skipped=skipped)


def _declared_audio(session: Session) -> dict[str, float]:
    """Each audio file the session names (relative to its folder) and the seconds it declares for it."""
    declared: dict[str, float] = {}
    for item in [*session.takes, *session.steps, *session.probes]:
        rel = str(getattr(item, "audio", "") or "").replace("\\", "/")
        if not rel:
            continue
        seconds = getattr(item, "duration_s", 0.0) or 0.0
        seconds += getattr(item, "offset_s", 0.0) or 0.0  # a step of a whole answer ends this far in
        declared[rel] = max(declared.get(rel, 0.0), float(seconds))
    return declared


def _audio_cap(rel: str, declared: dict[str, float]) -> int:
    """The most bytes ``rel`` may unpack to (session.json: MAX_JSON_BYTES)."""
    if rel == "session.json":
        return MAX_JSON_BYTES
    return int(declared.get(rel, 0.0) * MAX_AUDIO_BYTES_PER_S) + AUDIO_SLACK_BYTES


def _check_audio_size(info: zipfile.ZipInfo, rel: str, declared: dict[str, float], path: Path) -> None:
    cap = _audio_cap(rel, declared)
    if info.file_size > cap:
        raise BundleError(
            f"{path}: {rel} unpacks to {_mb(info.file_size)} but the session declares "
            f"{declared.get(rel, 0.0):.1f} s of audio for it (at most {_mb(cap)})",
            "the bundle was altered; export it again from starcoach",
        )


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limit: int, digest: str,
                 path: Path) -> int:
    """Stream one member to ``target`` in pieces, checking its size and checksum; returns its bytes."""
    h = hashlib.sha256()
    written = 0
    with zf.open(info) as src, open(target, "xb") as dst:
        while True:
            chunk = src.read(_CHUNK)
            if not chunk:
                break
            written += len(chunk)
            if written > limit:
                raise BundleError(f"{path}: {info.filename} is larger than allowed", "it is not a starcoach bundle")
            h.update(chunk)
            dst.write(chunk)
    if h.hexdigest() != digest:
        raise BundleError(f"{path}: {info.filename} does not match its checksum", "the bundle is damaged; export it again")
    return written


def _mb(n: int) -> str:
    return f"{n / 1024**2:.1f} MB"


def _exportable(folder: Path, p: Path) -> bool:
    rel = p.relative_to(folder)
    return not any(part.startswith(".") for part in rel.parts) and p.name != LOCK_NAME


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise BundleError(f"{path} has no {MANIFEST}", "it is not a starcoach bundle; export the session as a bundle") from None
    try:
        manifest = json.loads(_read_limited(zf, info, 4 * 1024**2).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BundleError(f"{path}: {MANIFEST} is not JSON ({e})", "export the bundle again") from e
    if not isinstance(manifest, dict):
        raise BundleError(f"{path}: {MANIFEST} is not an object", "export the bundle again")
    fmt = manifest.get("format")
    if not isinstance(fmt, int) or fmt < 1:
        raise BundleError(f"{path}: {MANIFEST} has no valid format", "export the bundle again")
    if fmt > BUNDLE_FORMAT:
        raise BundleError(f"{path} was made by a newer starcoach (bundle format {fmt})", "update starcoach to import it")
    sid = manifest.get("session_id")
    if not isinstance(sid, str) or not SESSION_ID_RE.match(sid):
        raise BundleError(f"{path}: {MANIFEST} names no valid session id ({sid!r})", "export the bundle again")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
                                              for k, v in files.items()):
        raise BundleError(f"{path}: {MANIFEST} has no valid file list", "export the bundle again")
    return manifest


def _check_members(zf: zipfile.ZipFile, path: Path, session_id: str, listed: dict[str, str]) -> list[str]:
    """The session files of the bundle, after checking every member name and type."""
    members = []
    seen = set()
    infos = zf.infolist()
    if len(infos) > MAX_FILES:
        raise BundleError(f"{path} holds {len(infos)} files (at most {MAX_FILES})", "it is not a starcoach bundle")
    declared = 0
    for info in infos:
        name = info.filename
        if name == MANIFEST:
            continue
        why = _bad_name(name, session_id)
        if why:
            raise BundleError(f"{path}: refusing member {name!r} ({why})", "the bundle is damaged or was not made by starcoach")
        if name in seen:
            raise BundleError(f"{path}: {name!r} appears twice", "export the bundle again")
        seen.add(name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"{path}: refusing member {name!r} (a symbolic link)", "the bundle was not made by starcoach")
        if info.is_dir():
            continue
        if name not in listed:
            raise BundleError(f"{path}: {name!r} is not in the manifest", "export the bundle again")
        declared += info.file_size
        if declared > MAX_TOTAL_BYTES:
            raise BundleError(f"{path} unpacks to more than {MAX_TOTAL_BYTES // 1024**3} GB", "it is not a starcoach bundle")
        members.append(name)
    missing = sorted(set(listed) - set(members))
    if missing:
        raise BundleError(f"{path}: files listed in the manifest are missing: {', '.join(missing[:3])}", "export the bundle again")
    if f"{session_id}/session.json" not in members:
        raise BundleError(f"{path} has no {session_id}/session.json", "export the bundle again")
    return members


def _bad_name(name: str, session_id: str) -> str:
    """Why a member name is refused ("" if it is fine)."""
    if not name or "\\" in name or "\0" in name or name.startswith("/") or ":" in name:
        return "not a plain relative path"
    parts = PurePosixPath(name).parts
    if any(p in ("..", ".", "") for p in parts) or name != "/".join(parts) + ("/" if name.endswith("/") else ""):
        return "path climbs out or is not normalised"
    if parts[0] != session_id:
        return f"outside the session folder {session_id}/"
    rest = parts[1:]
    if not rest or rest == ("audio",):
        return "" if name.endswith("/") else "unexpected file"
    if rest == ("session.json",):
        return ""
    if len(rest) == 2 and rest[0] == "audio" and AUDIO_NAME_RE.match(rest[1]):
        return ""
    return "only session.json and audio/<name>.<audio extension> belong in a bundle"


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read a member, never more than ``limit`` bytes whatever its header claims."""
    with zf.open(info) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise BundleError(f"{info.filename} is larger than allowed", "it is not a starcoach bundle")
    return data


def _check_audio_refs(session: Session, path: Path) -> None:
    """Every audio path the session names must be a plain path under ``audio/``."""
    refs = [t.audio for t in session.takes] + [s.audio for s in session.steps] + [p.audio for p in session.probes]
    for ref in filter(None, refs):
        rel = PurePosixPath(ref.replace("\\", "/"))
        if rel.is_absolute() or ".." in rel.parts or ":" in ref or not rel.parts or rel.parts[0] != "audio":
            raise BundleError(f"{path}: session.json names audio outside the session: {ref!r}", "the bundle was edited; export it again")
        # A file missing from the bundle is tolerated (it replays as silence); import says so.


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
