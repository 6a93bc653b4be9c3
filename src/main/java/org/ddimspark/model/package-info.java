/**
 * Models: the model card ({@code model.json}), what a network predicts, the {@link
 * org.ddimspark.model.Denoiser} that the samplers call, and its TorchScript implementation on DJL's
 * PyTorch engine.
 */
package org.ddimspark.model;
