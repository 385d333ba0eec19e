import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export type AttributeValue = number | number[] | { float: number };

export interface GraphIo {
  name: string;
  type: 'float32' | 'int64';
  /** A number is a fixed size, a string a named free dimension ("batch_size"). */
  dims: Array<number | string>;
}

/**
 * Builds an ONNX graph node by node with the protobuf definitions, so the test models are real ONNX files written
 * without Python. Every node gets a fresh output name; initializers hold the weights.
 */
export class OnnxGraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private counter = 0;

  /** A float32 initializer (weights), stored as raw little-endian bytes. */
  floats(name: string, dims: number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims.join(', ')}]`);
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: raw });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.floats(`const_${this.counter++}`, [], Float32Array.of(value));
  }

  /** An int64 constant; `dims` [] makes a scalar. */
  ints(values: number[], dims: number[] = [values.length]): string {
    const name = `const_${this.counter++}`;
    this.initializers.push({ name, dims, dataType: INT64, int64Data: values });
    return name;
  }

  /** Appends a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    const output = `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, input: inputs, output: [output], name: output, attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)) });
    return output;
  }

  /** Serialises the graph as a model with the given opset. */
  build(inputs: GraphIo[], outputs: Array<GraphIo & { from: string }>, opset: number): Uint8Array {
    const nodes = [...this.nodes];
    for (const o of outputs) nodes.push({ opType: 'Identity', input: [o.from], output: [o.name], name: `output_${o.name}` });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'rag-platform tiny-models',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: 'tiny',
        node: nodes,
        initializer: this.initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attribute(name: string, value: AttributeValue): IAttributeProto {
  const type = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: type.INTS, ints: value };
  if (typeof value === 'number') return { name, type: type.INT, i: value };
  return { name, type: type.FLOAT, f: value.float };
}

function valueInfo(io: GraphIo): IValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType: io.type === 'float32' ? FLOAT : INT64,
        shape: { dim: io.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
