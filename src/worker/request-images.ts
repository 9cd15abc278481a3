// The request's init_image and mask_image decoded for the pipeline: their headers checked first, bad data as field
// errors, then prepared for the request's mode (src/pipeline/image-modes.ts).
import { base64ImageHeader, imageProblem, maskMismatch } from '../pipeline/image-header';
import type { RgbaImage } from '../pipeline/image-tensors';
import { prepareImages, type PreparedImages } from '../pipeline/image-modes';
import { DEFAULT_STRENGTH } from '../schema/request';
import type { EngineErrorData, FieldError } from '../schema/response';
import type { ResolvedRequest } from '../schema/validate';

/** base64 image → RGBA at width × height (cover + centre crop); throws with a reason on bad data. */
export type ImageDecoder = (b64: string, width: number, height: number) => Promise<RgbaImage>;

const invalid = (detail: FieldError[]): { error: EngineErrorData } => ({ error: { code: 'invalid_request', message: 'The request is invalid.', detail } });

/** The model cannot encode images: image-to-image and inpainting are refused by the field that asks for them. */
export const NO_VAE_ENCODER: EngineErrorData = {
  code: 'not_supported',
  message: 'This model cannot do image-to-image or inpainting.',
  detail: [{
    loc: ['body', 'init_image'],
    msg: 'This model has no VAE encoder (vae_encoder/model.onnx). Add an SDXL VAE encoder exported to ONNX in the Optimum layout to the model folder, or remove init_image.',
    type: 'not_supported',
  }],
};

export async function decodeRequestImages(req: ResolvedRequest, decodeImage: ImageDecoder): Promise<PreparedImages | { error: EngineErrorData }> {
  if (req.init_image === undefined) return { value: undefined };
  const detail: FieldError[] = [];
  const decode = async (field: 'init_image' | 'mask_image', b64: string) => {
    // The header first: a small file can claim a size that takes gigabytes to decode.
    const problem = imageProblem(b64);
    if (problem) {
      detail.push({ loc: ['body', field], msg: `${field} cannot be used: ${problem}.`, type: problem.includes('megapixels') ? 'image_too_large' : 'value_error' });
      return undefined;
    }
    try {
      return await decodeImage(b64, req.width, req.height);
    } catch (e) {
      detail.push({ loc: ['body', field], msg: `${field} could not be read: ${e instanceof Error ? e.message : String(e)}.`, type: 'value_error' });
      return undefined;
    }
  };
  if (req.mask_image !== undefined) {
    const [initHeader, maskHeader] = [base64ImageHeader(req.init_image), base64ImageHeader(req.mask_image)];
    const mismatch = typeof initHeader === 'string' || typeof maskHeader === 'string' ? undefined : maskMismatch(initHeader, maskHeader);
    if (mismatch) return invalid([{ loc: ['body', 'mask_image'], msg: `${mismatch}.`, type: 'value_error' }]);
  }
  const init = await decode('init_image', req.init_image);
  const mask = req.mask_image === undefined ? undefined : await decode('mask_image', req.mask_image);
  if (detail.length > 0 || !init) return invalid(detail);
  const prepared = prepareImages({ ...req, strength: req.strength ?? DEFAULT_STRENGTH }, init, mask);
  return 'error' in prepared ? invalid([prepared.error]) : prepared;
}
