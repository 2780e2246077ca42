package io.ragway.plan;

import java.util.Objects;

/**
 * The shape of a decoder-only transformer, as its config file gives it.
 *
 * @param params parameters, e.g. 8.03e9
 * @param layers transformer layers ({@code num_hidden_layers})
 * @param kvHeads key/value heads per layer ({@code num_key_value_heads}; the attention heads
 *     when the model has no grouped-query attention)
 * @param headDim dimensions per head ({@code hidden_size / num_attention_heads})
 * @param weights the format the weights are served in
 * @param kv the format of the KV cache
 */
public record ModelShape(double params, int layers, int kvHeads, int headDim, Dtype weights, Dtype kv) {
  public ModelShape {
    if (!(params > 0) || layers <= 0 || kvHeads <= 0 || headDim <= 0) {
      throw new IllegalArgumentException("model parameters, layers, kv heads and head dim must be > 0");
    }
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(kv, "kv");
  }

  /** Bytes of the KV cache one token takes: a key and a value vector per KV head per layer. */
  public double kvBytesPerToken() {
    return 2.0 * layers * kvHeads * headDim * kv.bytes();
  }

  public double weightBytes() {
    return params * weights.bytes();
  }
}
