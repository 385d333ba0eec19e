import { tinyModels } from './helpers/tiny-models.js';

/** Runs once before the test files: writes the tiny ONNX models (milliseconds; cached across runs). */
export default function setup(): void {
  tinyModels();
}
