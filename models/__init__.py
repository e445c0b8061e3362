"""Training sets, training, evaluation, ONNX export, parity and the model registry."""
