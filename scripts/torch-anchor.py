#!/usr/bin/env python3
"""The native anchor for bench:real: SDXL base end to end in PyTorch fp16 on CUDA, random weights built from the
skeleton's own configs (diffusers' UNet2DConditionModel and AutoencoderKL, transformers' CLIP text towers), timed the
way bench:real times the ONNX engine: text encode, UNet per step (Euler, trailing, CFG as one batch-2 call), VAE
decode, end to end. Prints JSON; without torch or a GPU it prints why and exits 0 (the CPU dry-run of the device kit)."""
import argparse
import json
import statistics
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--skeleton", required=True, help="an Optimum-layout folder with unet/, vae_decoder/, text_encoder*/ config.json")
parser.add_argument("--size", type=int, default=1024)
parser.add_argument("--steps", type=int, default=4)
parser.add_argument("--cfg", default="1,3")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--json-out")
args = parser.parse_args()

result = {"anchor": "pytorch-fp16-eager", "size": args.size, "steps": args.steps, "runs": args.runs}


def finish(code=0):
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(text + "\n")
    sys.exit(code)


try:
    import torch
except ImportError as e:
    result["skipped"] = f"no torch here ({e})"
    finish()
if not torch.cuda.is_available():
    result["skipped"] = "torch has no CUDA device here"
    finish()

try:
    from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
    from diffusers.models.unets.unet_2d_condition import UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection
except Exception as e:  # noqa: BLE001 - the reason goes into the JSON
    result["skipped"] = f"diffusers/transformers import failed: {type(e).__name__}: {e}"
    finish()


def config(component):
    with open(f"{args.skeleton}/{component}/config.json") as f:
        raw = json.load(f)
    return {k: v for k, v in raw.items() if not k.startswith("_") and k != "export_model_type"}


dev, dtype = "cuda", torch.float16
result["torch"] = torch.__version__
result["gpu"] = torch.cuda.get_device_name(0)
t_build = time.perf_counter()
with torch.device(dev):
    unet = UNet2DConditionModel.from_config(config("unet")).to(dtype).eval()
    vae = AutoencoderKL.from_config(config("vae_decoder")).to(dtype).eval()
    te1 = CLIPTextModel(CLIPTextConfig(**config("text_encoder"))).to(dtype).eval()
    te2 = CLIPTextModelWithProjection(CLIPTextConfig(**config("text_encoder_2"))).to(dtype).eval()
torch.cuda.synchronize()
result["build_s"] = round(time.perf_counter() - t_build, 2)
result["unet_params"] = sum(p.numel() for p in unet.parameters())
result["attention_processor"] = type(next(iter(unet.attn_processors.values()))).__name__

# Euler, trailing spacing (SDXL-Lightning), scaled-linear betas as in the skeleton's scheduler config.
betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=torch.float64) ** 2
alphas_cumprod = torch.cumprod(1 - betas, 0)
timesteps = [round(1000 - i * 1000 / args.steps) - 1 for i in range(args.steps)]
sigmas = [float(((1 - alphas_cumprod[t]) / alphas_cumprod[t]) ** 0.5) for t in timesteps] + [0.0]
latent = args.size // 8


def sync_ms(t0):
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000


@torch.inference_mode()
def generate(guidance):
    batch = 2 if guidance > 1 else 1
    times = {"unet_ms": []}
    t_total = time.perf_counter()
    ids = torch.randint(0, 49407, (batch, 77), device=dev)
    t0 = time.perf_counter()
    h1 = te1(ids, output_hidden_states=True).hidden_states[-2]
    out2 = te2(ids, output_hidden_states=True)
    embeds = torch.cat([h1, out2.hidden_states[-2]], dim=-1)
    cond = {"text_embeds": out2.text_embeds, "time_ids": torch.tensor([[args.size, args.size, 0, 0, args.size, args.size]] * batch, device=dev, dtype=dtype)}
    times["text_encode_ms"] = sync_ms(t0)
    x = torch.randn(1, 4, latent, latent, device=dev, dtype=dtype) * sigmas[0]
    for i, t in enumerate(timesteps):
        t0 = time.perf_counter()
        model_in = (x / (sigmas[i] ** 2 + 1) ** 0.5).expand(batch, -1, -1, -1)
        eps = unet(model_in, t, encoder_hidden_states=embeds, added_cond_kwargs=cond).sample
        if batch == 2:
            eps = eps[0:1] + guidance * (eps[1:2] - eps[0:1])
        x = x + (sigmas[i + 1] - sigmas[i]) * eps
        times["unet_ms"].append(sync_ms(t0))
    t0 = time.perf_counter()
    image = vae.decode(x / 0.13025).sample
    pixels = ((image / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu()
    times["vae_decode_ms"] = sync_ms(t0)
    times["total_ms"] = sync_ms(t_total)
    assert pixels.shape == (1, args.size, args.size, 3)
    return times


for guidance in [float(g) for g in args.cfg.split(",")]:
    torch.cuda.reset_peak_memory_stats()
    generate(guidance)  # warm-up: cuDNN/cuBLAS autotuning, allocator growth
    runs = [generate(guidance) for _ in range(args.runs)]
    med = lambda key: round(statistics.median(r[key] for r in runs), 2)  # noqa: E731
    result[f"cfg_{guidance:g}"] = {
        "text_encode_ms": med("text_encode_ms"),
        "unet_step_ms": round(statistics.median(ms for r in runs for ms in r["unet_ms"]), 2),
        "vae_decode_ms": med("vae_decode_ms"),
        "total_ms": med("total_ms"),
        "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20),
    }
finish()
