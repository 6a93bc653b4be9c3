/** File formats that other tools load: NumPy {@code .npy} arrays and CSV metadata. */
package org.ddimspark.export;
