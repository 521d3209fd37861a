//! A fake OpenAI-compatible chat-completions server: `POST
//! {base}/chat/completions` answered in OpenAI's wire format, errors
//! included, as scripted with [`LlmMode`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Answer, Recorder, Server, bearer_token, header_string, lock, unique_hex};
use crate::llm::ChatConfig;

/// The model name [`FakeLlm::config`] asks for.
pub const FAKE_LLM_MODEL: &str = "fake-model";

/// The prose [`LlmMode::OffTopic`] answers.
pub const OFF_TOPIC_PROSE: &str =
    "Sure! Here is a short poem about the sea: the waves roll in, the waves roll out.";

/// How the fake answers a chat completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmMode {
    /// HTTP 200, a completion whose content is this text.
    Reply(String),
    /// Waits `delay` (less if the fake is dropped meanwhile), then answers
    /// like [`LlmMode::Reply`]: for client timeouts.
    Slow {
        /// How long it waits.
        delay: Duration,
        /// The content it then answers.
        reply: String,
    },
    /// HTTP 500 with OpenAI's `server_error` body.
    Fail,
    /// HTTP 401 with OpenAI's `invalid_api_key` body, whatever the key.
    Refuse,
    /// HTTP 200, a completion whose content is [`OFF_TOPIC_PROSE`] (not
    /// the JSON asked for).
    OffTopic,
    /// Exactly this status and body (`Content-Type: application/json`).
    Raw {
        /// The HTTP status.
        status: u16,
        /// The body, sent as is.
        body: String,
    },
}

impl Default for LlmMode {
    fn default() -> Self {
        Self::Reply("OK".to_owned())
    }
}

/// One request the fake received, and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmRequest {
    /// The request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The JSON body, when it parsed.
    pub json: Option<Value>,
    /// The HTTP status answered.
    pub status: u16,
}

impl LlmRequest {
    /// The `model` asked for.
    #[must_use]
    pub fn model(&self) -> Option<&str> {
        self.json.as_ref()?.get("model")?.as_str()
    }

    /// The messages as `(role, content)`, in order.
    #[must_use]
    pub fn messages(&self) -> Vec<(String, String)> {
        self.json
            .as_ref()
            .and_then(|j| j.get("messages"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| {
                let text = |key: &str| {
                    m.get(key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                (text("role"), text("content"))
            })
            .collect()
    }

    /// The content of the `system` message, if any.
    #[must_use]
    pub fn system(&self) -> Option<String> {
        self.messages()
            .into_iter()
            .find(|(role, _)| role == "system")
            .map(|(_, content)| content)
    }

    /// `response_format.type` (`json_object`), if asked.
    #[must_use]
    pub fn response_format(&self) -> Option<&str> {
        self.json
            .as_ref()?
            .pointer("/response_format/type")?
            .as_str()
    }

    /// The token of a `Bearer` `Authorization` header.
    #[must_use]
    pub fn bearer_token(&self) -> Option<&str> {
        bearer_token(self.authorization.as_deref()?)
    }
}

/// A fake OpenAI-compatible chat-completions API on `127.0.0.1`: `POST
/// {base_url}/chat/completions` with `{base_url}` ending in `/v1`.
///
/// | Request | Answer |
/// |---|---|
/// | another path or method | 404 `unknown_url` |
/// | a key required ([`start_with_key`](Self::start_with_key)) and not that `Bearer` token | 401 `invalid_api_key` |
/// | a body without `model` or `messages` | 400 `invalid_request_error` |
/// | else | the next scripted [`LlmMode`] ([`then`](Self::then)), else the standing one ([`set_mode`](Self::set_mode), [`LlmMode::Reply`] `"OK"` at first) |
///
/// Every request is recorded ([`requests`](Self::requests)). The server
/// **stops when this value is dropped**, slow answers included.
#[derive(Debug)]
#[must_use = "the server stops when this value is dropped"]
pub struct FakeLlm {
    server: Server,
    state: Arc<LlmState>,
}

#[derive(Debug)]
struct LlmState {
    recorder: Arc<Recorder>,
    key: Option<String>,
    data: Mutex<Data>,
}

#[derive(Debug, Default)]
struct Data {
    requests: Vec<LlmRequest>,
    script: VecDeque<LlmMode>,
    mode: LlmMode,
}

impl FakeLlm {
    /// Starts a server that takes any key, or none.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub async fn start() -> Self {
        Self::serve(None).await
    }

    /// Starts a server that answers 401 unless the request carries `Bearer
    /// {key}`.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub async fn start_with_key(key: &str) -> Self {
        Self::serve(Some(key.to_owned())).await
    }

    async fn serve(key: Option<String>) -> Self {
        let recorder = Arc::new(Recorder::new());
        let state = Arc::new(LlmState {
            recorder: Arc::clone(&recorder),
            key,
            data: Mutex::new(Data::default()),
        });
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let server = Server::start(router, recorder).await;
        Self { server, state }
    }

    /// `http://127.0.0.1:{port}/v1`, what `CAMPANILE_LLM_URL` would be.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.base_url)
    }

    /// A client configuration for this fake: [`FAKE_LLM_MODEL`], no key,
    /// a 5 s timeout.
    #[must_use]
    pub fn config(&self) -> ChatConfig {
        ChatConfig::new(self.base_url(), FAKE_LLM_MODEL).with_timeout(Duration::from_secs(5))
    }

    /// Answers every request from now on (after the scripted ones) as
    /// `mode`.
    pub fn set_mode(&self, mode: LlmMode) {
        lock(&self.state.data).mode = mode;
    }

    /// Answers the next request (after those scripted before) as `mode`.
    pub fn then(&self, mode: LlmMode) {
        lock(&self.state.data).script.push_back(mode);
    }

    /// Every request received, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<LlmRequest> {
        lock(&self.state.data).requests.clone()
    }
}

fn error(status: u16, message: &str, kind: &str, code: Option<&str>) -> Answer {
    Answer::json(
        status,
        &json!({ "error": { "message": message, "type": kind, "param": null, "code": code } }),
    )
}

fn completion(model: &str, content: &str) -> Answer {
    let created = jiff::Timestamp::now().as_second();
    Answer::json(
        200,
        &json!({
            "id": format!("chatcmpl-{}", unique_hex()),
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content },
                "finish_reason": "stop",
            }],
            "usage": { "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2 },
        }),
    )
}

async fn handle(
    State(state): State<Arc<LlmState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(stopped) = state.recorder.stopped() {
        return stopped;
    }
    let path = uri.path().to_owned();
    let authorization = header_string(&headers, &header::AUTHORIZATION);
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let answer = answer(
        &state,
        &method,
        &path,
        authorization.as_deref(),
        json.as_ref(),
    )
    .await;
    lock(&state.data).requests.push(LlmRequest {
        path,
        authorization,
        json,
        status: answer.status,
    });
    answer.into_response()
}

async fn answer(
    state: &LlmState,
    method: &Method,
    path: &str,
    authorization: Option<&str>,
    json: Option<&Value>,
) -> Answer {
    if method != Method::POST || !path.ends_with("/chat/completions") {
        return error(
            404,
            &format!("Invalid URL ({method} {path})"),
            "invalid_request_error",
            Some("unknown_url"),
        );
    }
    if let Some(key) = &state.key
        && authorization.and_then(bearer_token) != Some(key.as_str())
    {
        return refused();
    }
    let model = json.and_then(|j| j.get("model")).and_then(Value::as_str);
    let has_messages = json
        .and_then(|j| j.get("messages"))
        .is_some_and(Value::is_array);
    let Some(model) = model.filter(|_| has_messages) else {
        return error(
            400,
            "you must provide a model parameter and messages",
            "invalid_request_error",
            None,
        );
    };
    let mode = {
        let mut data = lock(&state.data);
        data.script.pop_front().unwrap_or_else(|| data.mode.clone())
    };
    match mode {
        LlmMode::Reply(content) => completion(model, &content),
        LlmMode::Slow { delay, reply } => {
            state.recorder.hang(delay).await;
            completion(model, &reply)
        }
        LlmMode::Fail => error(
            500,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
        LlmMode::Refuse => refused(),
        LlmMode::OffTopic => completion(model, OFF_TOPIC_PROSE),
        LlmMode::Raw { status, body } => Answer {
            status,
            body,
            retry_after: None,
            www_authenticate: None,
            dropped: false,
        },
    }
}

fn refused() -> Answer {
    error(
        401,
        "Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        Some("invalid_api_key"),
    )
}
