// Types shared by LoRA parsing and ΔW (src/pipeline/lora) and the fusion into ONNX initializers (src/runtime).

/** The ONNX models a LoRA can patch. */
export type LoraComponent = 'unet' | 'text_encoder' | 'text_encoder_2';

/** How the ONNX node holds the weight: MatMul [in, out] = Wᵀ; Gemm with transB = 1 [out, in]; Conv [out, in, kh, kw]. */
export type WeightLayout = 'matmul' | 'gemm' | 'conv';

/** One module of a LoRA file, mapped to the ONNX node that holds its weight. */
export interface LoraModule {
  component: LoraComponent;
  /** diffusers' module path, e.g. `down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`. */
  module: string;
  /** The node name without its op, e.g. `/down_blocks.1/attentions.0/transformer_blocks.0/attn1/to_q`; the node is `<prefix>/MatMul|Gemm|Conv`. */
  nodePrefix: string;
  /** lora_down / lora_A: [rank, in] or [rank, in, kh, kw]. */
  down: Float32Array;
  downShape: number[];
  /** lora_up / lora_B: [out, rank] or [out, rank, 1, 1]. */
  up: Float32Array;
  upShape: number[];
  /** alpha / rank; 1 when the file has no alpha (PEFT's lora_alpha = r). */
  alphaOverRank: number;
  /** The file's keys this module came from (for reports). */
  keys: string[];
}

/** A parsed LoRA file: its modules and every key that matched no module, by name (reported, never fatal). */
export interface ParsedLora {
  modules: LoraModule[];
  unmatched: string[];
}

/**
 * Adds weight · alphaOverRank · B·A to `base` in place, laid out as the node holds it (`dims` = the initializer's dims).
 * The exact path reproduces torch's ΔW bit for bit; fast paths stay within 1e-6 relative of it.
 */
export type DeltaAdder = (base: Float32Array, layout: WeightLayout, dims: readonly number[], m: LoraModule, weight: number) => void | Promise<void>;
