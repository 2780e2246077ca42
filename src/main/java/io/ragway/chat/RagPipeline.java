package io.ragway.chat;

import io.ragway.index.Chunk;
import io.ragway.index.Filter;
import io.ragway.llm.ChatMessage;
import io.ragway.llm.ChatModel;
import io.ragway.llm.ChatRequest;
import io.ragway.llm.ChatResponse;
import io.ragway.llm.Source;
import io.ragway.retrieve.Retrieval;
import io.ragway.retrieve.Retrieved;
import io.ragway.retrieve.Retriever;
import io.ragway.retrieve.SearchMode;
import io.ragway.retrieve.SearchRequest;
import io.ragway.telemetry.Stages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Answers a question from the documents, in four steps:
 *
 * <ol>
 *   <li>retrieve the best chunks for the question (tenant-filtered);
 *   <li>keep those the caller admits (the guard drops passages that read as injections);
 *   <li>number them as sources 1..n;
 *   <li>ask the chat model to answer from those sources, citing them as {@code [n]} (streamed
 *       when the caller takes text as it comes);
 *   <li>keep the citations the answer actually uses.
 * </ol>
 */
public final class RagPipeline {

  private final Retriever retriever;
  private final ChatModel model;
  private final String promptVersion;

  /**
   * What a caller adds to one answer.
   *
   * @param onText receives the answer as it is produced, or null to wait for all of it
   * @param admits which retrieved chunks may reach the model
   * @param onSources receives the numbered sources before the model is asked
   * @param searchText the text the retriever looks for, given the question the model gets (the
   *     question as the client wrote it when the guard put placeholders in for personal data)
   */
  public record Hooks(Consumer<String> onText, Predicate<Chunk> admits, Consumer<List<Source>> onSources,
      UnaryOperator<String> searchText) {
    public Hooks {
      Objects.requireNonNull(admits, "admits");
      Objects.requireNonNull(onSources, "onSources");
      Objects.requireNonNull(searchText, "searchText");
    }

    /** Wait for the whole answer; every chunk admitted; search for the question. */
    public static Hooks none() {
      return new Hooks(null, c -> true, s -> {}, UnaryOperator.identity());
    }
  }

  public RagPipeline(Retriever retriever, ChatModel model) {
    this(retriever, model, PromptTemplates.BUILT_IN);
  }

  /** @param promptVersion the version of the prompt {@code model} was given (recorded with each answer) */
  public RagPipeline(Retriever retriever, ChatModel model, String promptVersion) {
    this.retriever = Objects.requireNonNull(retriever, "retriever");
    this.model = Objects.requireNonNull(model, "model");
    this.promptVersion = Objects.requireNonNull(promptVersion, "promptVersion");
  }

  /**
   * The version of the prompt the model writes with ({@link PromptTemplates}); empty for the
   * extractive answerer, which is given no prompt.
   */
  public String promptVersion() {
    return model.name().equals("extractive") ? "" : promptVersion;
  }

  /** The name of the model that writes the answers ("extractive" for the built-in answerer). */
  public String modelName() {
    return model.name();
  }

  /** Answers {@code question} from at most {@code k} chunks found with {@code mode}. */
  public Answer ask(String question, SearchMode mode, int k, Filter filter, boolean mmr) {
    return answer(List.of(ChatMessage.user(question)), mode, k, filter, mmr, 0, Hooks.none());
  }

  /**
   * Answers the last user message of a conversation; earlier turns go to the model as context.
   *
   * @param maxTokens limit on the answer's tokens, 0 for none
   */
  public Answer answer(List<ChatMessage> conversation, SearchMode mode, int k, Filter filter, boolean mmr, int maxTokens,
      Hooks hooks) {
    ChatRequest probe = new ChatRequest(conversation, List.of(), maxTokens, 0); // validates: a user message exists
    String question = probe.question();
    if (question.isBlank()) {
      throw new IllegalArgumentException("the question is empty");
    }
    Map<String, Double> timings = new LinkedHashMap<>();

    long t0 = System.nanoTime();
    Retrieval retrieval = retriever.explain(new SearchRequest(hooks.searchText().apply(question), mode, k, filter, mmr));
    List<Retrieved> retrieved = retrieval.results();
    timings.put("retrieve", millisSince(t0));

    // the request's stages (prompt, generate) are timed for its trace and log; none outside a request
    Stages stages = Stages.current();
    ChatRequest request = stages.call(Stages.PROMPT, () -> {
      List<Source> sources = new ArrayList<>(retrieved.size());
      for (Retrieved r : retrieved) {
        if (hooks.admits().test(r.chunk())) {
          sources.add(new Source(sources.size() + 1, r.chunk(), r.score()));
        }
      }
      hooks.onSources().accept(List.copyOf(sources));
      return new ChatRequest(conversation, sources, maxTokens, 0);
    });
    List<Source> sources = request.sources();

    long t1 = System.nanoTime();
    ChatResponse response = stages.call(Stages.GENERATE,
        () -> hooks.onText() == null ? model.chat(request) : model.stream(request, hooks.onText()));
    timings.put("generate", millisSince(t1));

    List<Citation> citations = new ArrayList<>();
    for (int n : response.cited()) {
      if (n >= 1 && n <= sources.size()) {
        Source s = sources.get(n - 1);
        citations.add(Citation.of(n, s.chunk(), s.score()));
      }
    }
    return new Answer(question, response.content(), citations, response.abstained(), model.name(), response.usage(),
        timings, retrieval);
  }

  private static double millisSince(long start) {
    return (System.nanoTime() - start) / 1e6;
  }
}
