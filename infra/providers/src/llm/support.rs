//! [`ChatClient`] as the support responder's [`LanguageModel`].

use features::support::{LanguageModel, ModelError, ModelRequest, Role};

use super::{ChatClient, ChatError, ChatMessage, ChatRole};

impl From<ChatError> for ModelError {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::Refused { status, message } => {
                Self::Refused(format!("HTTP {status}: {message}"))
            }
            ChatError::Failed(message) => Self::Down(message),
            ChatError::TimedOut(_) => Self::TimedOut,
            ChatError::BadResponse(message) => Self::BadResponse(message),
            ChatError::CircuitOpen { retry_in } => Self::CircuitOpen { retry_in },
        }
    }
}

impl LanguageModel for ChatClient {
    async fn complete(&self, request: ModelRequest) -> Result<String, ModelError> {
        let mut messages = Vec::with_capacity(request.messages.len() + 1);
        messages.push(ChatMessage::system(request.system));
        messages.extend(
            request
                .messages
                .into_iter()
                .map(|(role, content)| ChatMessage {
                    role: match role {
                        Role::User => ChatRole::User,
                        Role::Assistant => ChatRole::Assistant,
                    },
                    content,
                }),
        );
        Ok(self.chat(&messages).await?)
    }
}
