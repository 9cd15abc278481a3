// Which Vulkan driver the Node WebGPU child gets: the system's (a real GPU) or Chromium's SwiftShader (CPU machines).
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * `auto` picks SwiftShader only when no Vulkan driver is named, no NVIDIA device node exists and Chromium's ICD is
 * present; the loader reads LD_LIBRARY_PATH at process start, which is why the provider runs in a child.
 */
export function vulkanEnv(choice: string): { env: NodeJS.ProcessEnv; vulkan: string } {
  const swiftshader = choice === 'swiftshader'
    || (choice === 'auto' && !process.env.VK_ICD_FILENAMES && !existsSync('/dev/nvidiactl') && existsSync(SWIFTSHADER_ICD));
  if (choice !== 'auto' && choice !== 'swiftshader' && choice !== 'system') throw new Error(`--vulkan must be auto, swiftshader or system (got ${choice})`);
  if (!swiftshader) return { env: process.env, vulkan: `system${process.env.VK_ICD_FILENAMES ? ` (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES})` : ''}` };
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
  };
  return { env, vulkan: 'swiftshader' };
}
