-- Every prediction shown, with the model version that made it, so later actuals
-- give per-model accuracy.
CREATE TABLE predictions (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    model_id INTEGER NOT NULL REFERENCES models (id),
    model_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    input TEXT NOT NULL,
    predicted DOUBLE PRECISION NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX predictions_model_idx ON predictions (model_id, id);
