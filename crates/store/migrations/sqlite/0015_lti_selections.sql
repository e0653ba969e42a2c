-- Browse-Search-Embed requests waiting for the user's choice: where to send the chosen
-- link back to, kept on the server so that the page cannot redirect the signed answer.
CREATE TABLE lti_selection (
    id TEXT PRIMARY KEY,
    app_id INTEGER NOT NULL REFERENCES app (id),
    user_id TEXT NOT NULL,
    context_id TEXT NOT NULL,
    return_url TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
