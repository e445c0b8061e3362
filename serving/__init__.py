"""The scoring service: Feast online features, ONNX models, answers over HTTP."""
