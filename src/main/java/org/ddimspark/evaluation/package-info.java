/**
 * Evaluation of generated images with a classifier: class accuracy against the requested classes, and the
 * Frechet distance between the classifier's features of the samples and of a reference set (an FID in
 * that classifier's feature space).
 */
package org.ddimspark.evaluation;
