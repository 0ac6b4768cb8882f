"""The DDL of migration m007: evaluation by outputs (cases, eval_runs, outputs) and recorded model calls.

Kept out of migrations.py so that file stays small; `m007_evaluation` there runs this text. Like every
shipped migration it is frozen (tests/test_migrations.py pins its digest) and keeps its own copies of
the enumerations it checks.
"""

from __future__ import annotations

from .migrations import NOW_SQL, _in, _json, _pos_int, _ts, _uuid

M007_PROVIDERS = ("openai", "anthropic", "google", "openrouter", "ollama", "local")
M007_STATUSES = ("pending", "running", "completed", "failed")
M007_CASE_SOURCES = ("import", "suggest", "workbench", "api")
M007_CALL_PURPOSES = ("generate", "judge", "eval", "suggest", "optimize", "other")
_SHA256 = "length({col}) = 64 AND {col} NOT GLOB '*[^0-9a-f]*'"


def _sha(col: str, nullable: bool = False) -> str:
    body = _SHA256.format(col=col)
    return f"CHECK ({col} IS NULL OR ({body}))" if nullable else f"CHECK ({body})"


def _non_negative(col: str, kinds: str = "'integer'") -> str:
    return f"CHECK ({col} IS NULL OR (typeof({col}) IN ({kinds}) AND {col} >= 0))"


M007_SQL = f"""
CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL {_uuid("id")},
    request_id TEXT NOT NULL REFERENCES prompt_requests(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (typeof(name) = 'text' AND length(trim(name)) BETWEEN 1 AND 200
        AND name = trim(name)),
    vars TEXT NOT NULL DEFAULT '{{}}' {_json("vars", "object")},
    reference TEXT CHECK (reference IS NULL OR typeof(reference) = 'text'),
    assertions TEXT NOT NULL DEFAULT '[]' {_json("assertions", "array")},
    tags TEXT NOT NULL DEFAULT '[]' {_json("tags", "array")},
    source TEXT NOT NULL DEFAULT 'api' CHECK ({_in("source", M007_CASE_SOURCES)}),
    metadata TEXT NOT NULL DEFAULT '{{}}' {_json("metadata", "object")},
    created_at TEXT NOT NULL DEFAULT ({NOW_SQL}) {_ts("created_at")},
    UNIQUE (request_id, name)
);

CREATE TABLE eval_runs (
    id TEXT PRIMARY KEY NOT NULL {_uuid("id")},
    request_id TEXT REFERENCES prompt_requests(id) ON DELETE CASCADE,
    signature TEXT NOT NULL {_sha("signature")},
    prompt_ids TEXT NOT NULL {_json("prompt_ids", "array")},
    case_ids TEXT NOT NULL {_json("case_ids", "array")},
    models TEXT NOT NULL {_json("models", "array")} CHECK (json_array_length(models) >= 1),
    graders TEXT NOT NULL DEFAULT '{{}}' {_json("graders", "object")},
    options TEXT NOT NULL DEFAULT '{{}}' {_json("options", "object")},
    status TEXT NOT NULL DEFAULT 'pending' CHECK ({_in("status", M007_STATUSES)}),
    error TEXT,
    created_at TEXT NOT NULL DEFAULT ({NOW_SQL}) {_ts("created_at")},
    started_at TEXT {_ts("started_at", True)},
    completed_at TEXT {_ts("completed_at", True)},
    CHECK (status = 'pending' OR started_at IS NOT NULL),
    CHECK (status NOT IN ('completed', 'failed') OR completed_at IS NOT NULL),
    CHECK (status <> 'failed' OR error IS NOT NULL),
    CHECK (completed_at IS NULL OR julianday(completed_at) >= julianday(started_at))
);
CREATE INDEX idx_eval_runs_signature ON eval_runs(signature);
CREATE INDEX idx_eval_runs_request_id ON eval_runs(request_id);

CREATE TABLE outputs (
    id TEXT PRIMARY KEY NOT NULL {_uuid("id")},
    run_id TEXT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
    prompt_id TEXT NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK ({_in("provider", M007_PROVIDERS)}),
    model TEXT NOT NULL CHECK (length(model) > 0),
    text TEXT CHECK (text IS NULL OR typeof(text) = 'text'),
    input_tokens INTEGER {_pos_int("input_tokens")},
    output_tokens INTEGER {_pos_int("output_tokens")},
    latency_ms INTEGER NOT NULL DEFAULT 0 {_non_negative("latency_ms")},
    cost_usd REAL {_non_negative("cost_usd", "'integer', 'real'")},
    error TEXT CHECK (error IS NULL OR length(error) > 0),
    passed INTEGER CHECK (passed IS NULL OR passed IN (0, 1)),
    score REAL CHECK (score IS NULL OR (typeof(score) IN ('integer', 'real')
        AND score >= 0 AND score <= 1)),
    grades TEXT NOT NULL DEFAULT '[]' {_json("grades", "array")},
    call_key TEXT {_sha("call_key", True)},
    created_at TEXT NOT NULL DEFAULT ({NOW_SQL}) {_ts("created_at")},
    CHECK ((text IS NULL) <> (error IS NULL)),
    CHECK (error IS NULL OR (passed IS NULL AND score IS NULL)),
    UNIQUE (run_id, prompt_id, case_id, model)
);
CREATE INDEX idx_outputs_prompt_id ON outputs(prompt_id);
CREATE INDEX idx_outputs_case_id ON outputs(case_id);

CREATE TABLE model_calls (
    key TEXT PRIMARY KEY NOT NULL {_sha("key")},
    provider TEXT NOT NULL CHECK ({_in("provider", M007_PROVIDERS)}),
    model TEXT NOT NULL CHECK (length(model) > 0),
    messages TEXT NOT NULL {_json("messages", "array")} CHECK (json_array_length(messages) >= 1),
    options TEXT NOT NULL DEFAULT '{{}}' {_json("options", "object")},
    seed INTEGER CHECK (seed IS NULL OR typeof(seed) = 'integer'),
    purpose TEXT NOT NULL DEFAULT 'other' CHECK ({_in("purpose", M007_CALL_PURPOSES)}),
    response TEXT NOT NULL CHECK (typeof(response) = 'text'),
    resolved_model TEXT,
    input_tokens INTEGER {_pos_int("input_tokens")},
    output_tokens INTEGER {_pos_int("output_tokens")},
    tokens_estimated INTEGER NOT NULL DEFAULT 0 CHECK (tokens_estimated IN (0, 1)),
    cost_usd REAL {_non_negative("cost_usd", "'integer', 'real'")},
    duration_ms INTEGER NOT NULL DEFAULT 0 {_non_negative("duration_ms")},
    created_at TEXT NOT NULL DEFAULT ({NOW_SQL}) {_ts("created_at")}
);
CREATE INDEX idx_model_calls_model ON model_calls(model);
"""

__all__ = ["M007_SQL"]
