// Hostile .onnx files: external-data locations that leave the model's folder, and subgraphs nested until the parser's
// stack would overflow, are refused with a clear Error (issue 10).
import { describe, expect, it } from 'vitest';
import { MAX_GRAPH_DEPTH, ONNX, externalDataFiles } from '../../src/runtime/onnx-external-data';
import { concatBytes, lengthDelimited, varintField } from '../../src/runtime/protobuf';

const text = (field: number, s: string) => lengthDelimited(field, new TextEncoder().encode(s));
/** A TensorProto stored outside the graph, at `location`. */
const externalTensor = (location: string) => concatBytes([
  text(ONNX.TENSOR_NAME, 'w'),
  lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([text(ONNX.ENTRY_KEY, 'location'), text(ONNX.ENTRY_VALUE, location)])),
  varintField(ONNX.TENSOR_DATA_LOCATION, 1),
]);
const graphWith = (tensor: Uint8Array) => lengthDelimited(ONNX.GRAPH_INITIALIZER, tensor);
const model = (graph: Uint8Array) => lengthDelimited(ONNX.MODEL_GRAPH, graph);
/** A graph whose one node has a subgraph attribute, `depth` levels down, with the tensor at the bottom. */
function nested(depth: number, inner: Uint8Array): Uint8Array {
  let graph = inner;
  for (let i = 0; i < depth; i++) graph = lengthDelimited(ONNX.GRAPH_NODE, lengthDelimited(ONNX.NODE_ATTRIBUTE, lengthDelimited(ONNX.ATTRIBUTE_G, graph)));
  return graph;
}

describe('external-data locations from untrusted graphs', () => {
  it('accepts plain file names beside model.onnx', () => {
    expect(externalDataFiles(model(graphWith(externalTensor('model.onnx_data_1'))))).toEqual(['model.onnx_data_1']);
    expect(externalDataFiles(model(nested(3, graphWith(externalTensor('weights.pb')))))).toEqual(['weights.pb']);
  });

  it('refuses folders, "..", absolute paths, URLs and control characters, naming the location', () => {
    for (const bad of ['../../x', '..', 'sub/model.onnx_data', '/etc/passwd', 'C:\\\\w.bin', 'https://evil.example/w', 'a\u0000b', '', 'x'.repeat(256)]) {
      expect(() => externalDataFiles(model(graphWith(externalTensor(bad)))), JSON.stringify(bad)).toThrow(/only a plain file name beside model\.onnx/);
    }
  });

  it(`bounds subgraph nesting at ${MAX_GRAPH_DEPTH} levels instead of overflowing the stack`, () => {
    expect(externalDataFiles(model(nested(MAX_GRAPH_DEPTH, graphWith(externalTensor('ok.bin')))))).toEqual(['ok.bin']);
    expect(() => externalDataFiles(model(nested(5000, graphWith(externalTensor('ok.bin')))))).toThrow(/nests subgraphs more than/);
  });
});
