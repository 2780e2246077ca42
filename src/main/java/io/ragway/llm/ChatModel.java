package io.ragway.llm;

/** Answers a conversation, optionally grounded in numbered sources. */
public interface ChatModel {

  /** The model name clients use to select it. */
  String name();

  ChatResponse chat(ChatRequest request);

  /**
   * Answers while passing the text on as it is produced; the returned response holds the whole
   * answer. Models that cannot stream answer first and then pass it on in word-sized pieces.
   */
  default ChatResponse stream(ChatRequest request, java.util.function.Consumer<String> onText) {
    ChatResponse response = chat(request);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+\\s*").matcher(response.content());
    while (m.find()) {
      onText.accept(m.group());
    }
    return response;
  }
}
