package io.ragway.llm;

/** Answers a conversation, optionally grounded in numbered sources. */
public interface ChatModel {

  /** The model name clients use to select it. */
  String name();

  ChatResponse chat(ChatRequest request);
}
