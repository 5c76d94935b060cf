/*
 * snn_kernels: single-pass CPU kernels over contiguous buffers for the kit's compact autograd nodes, where libtorch
 * needs several passes and temporaries (Snn.Layers.NativeKernels calls them; without this library the nodes use
 * their TorchSharp path). Single-threaded on purpose: they are memory-bound, and a second thread pool beside
 * libtorch's OpenMP threads would compete with them.
 *
 * Max pooling, k×k windows with stride k, no padding, floor mode, over `planes` planes of h×w: the output and, per
 * output, the winner's place dy·k + dx in its window (one byte). The winner rule is libtorch's CPU max_pool2d:
 * scan the window in row-major order and take a value when it is greater than the maximum so far or NaN (so the
 * first maximum wins, and a NaN wins over numbers). Backward writes every input of a plane once: the output's
 * gradient at the winner, 0 elsewhere (the windows do not overlap), 0 in the rows and columns floor mode leaves out.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

#define MAXPOOL(T, SUFFIX)                                                                                          \
    EXPORT void snn_maxpool_forward_##SUFFIX(const T *input, T *output, uint8_t *winner, int64_t planes, int64_t h, \
                                             int64_t w, int32_t k)                                                  \
    {                                                                                                               \
        const int64_t oh = h / k, ow = w / k;                                                                       \
        for (int64_t p = 0; p < planes; p++) {                                                                      \
            const T *in = input + p * h * w;                                                                        \
            T *out = output + p * oh * ow;                                                                          \
            uint8_t *win = winner + p * oh * ow;                                                                    \
            for (int64_t r = 0; r < oh; r++)                                                                        \
                for (int64_t c = 0; c < ow; c++) {                                                                  \
                    T best = -INFINITY;                                                                             \
                    int place = 0;                                                                                  \
                    for (int dy = 0; dy < k; dy++) {                                                                \
                        const T *row = in + (r * k + dy) * w + c * k;                                               \
                        for (int dx = 0; dx < k; dx++) {                                                            \
                            const T v = row[dx];                                                                    \
                            if (v > best || isnan(v)) { best = v; place = dy * k + dx; }                            \
                        }                                                                                           \
                    }                                                                                               \
                    out[r * ow + c] = best;                                                                         \
                    win[r * ow + c] = (uint8_t)place;                                                               \
                }                                                                                                   \
        }                                                                                                           \
    }                                                                                                               \
                                                                                                                    \
    EXPORT void snn_maxpool_backward_##SUFFIX(const T *grad_output, const uint8_t *winner, T *grad_input,           \
                                              int64_t planes, int64_t h, int64_t w, int32_t k)                      \
    {                                                                                                               \
        const int64_t oh = h / k, ow = w / k;                                                                       \
        for (int64_t p = 0; p < planes; p++) {                                                                      \
            const T *g = grad_output + p * oh * ow;                                                                 \
            const uint8_t *win = winner + p * oh * ow;                                                              \
            T *gi = grad_input + p * h * w;                                                                         \
            for (int64_t r = 0; r < oh; r++)                                                                        \
                for (int dy = 0; dy < k; dy++) {                                                                    \
                    T *row = gi + (r * k + dy) * w;                                                                 \
                    for (int64_t c = 0; c < ow; c++) {                                                              \
                        const int place = win[r * ow + c] - dy * k;                                                 \
                        for (int dx = 0; dx < k; dx++) row[c * k + dx] = dx == place ? g[r * ow + c] : (T)0;        \
                    }                                                                                               \
                    memset(row + ow * k, 0, (size_t)(w - ow * k) * sizeof(T));                                      \
                }                                                                                                   \
            memset(gi + oh * k * w, 0, (size_t)((h - oh * k) * w) * sizeof(T));                                     \
        }                                                                                                           \
    }

MAXPOOL(float, f32)
MAXPOOL(double, f64)

/* The library's version, so that a stale copy beside the assembly is recognised. */
EXPORT int32_t snn_kernels_version(void) { return 1; }
