// XLA FFI handlers for logbessel.jax: each public registry row (logbessel/registry.h) as a
// custom call target on the CPU and on CUDA GPUs. No math here, and nothing of CUDA's or
// Python's headers: the handlers call code that Python hands them at load time
// (src/logbessel/_jax_ffi.py), so that a custom call runs exactly what the NumPy ufunc or
// the CUDA kernel of the same name runs.
//
//   CPU   logbessel_cpu_<NAME>: the ufunc's own float32/float64 inner loop (the _core
//         extension's, at its chosen CPU level, threads included) over XLA's buffers.
//   CUDA  logbessel_cuda_<NAME>: the kernel logbessel_<NAME>_<f32|f64> of csrc/kernels.cu,
//         compiled by NVRTC and loaded through the CUDA driver API by Python
//         (src/logbessel/_cuda.py), launched with cuLaunchKernel on the stream XLA passes.
//
// Operands: ARITY input buffers and one output, all of the output's dtype (float32 or
// float64) and element count (Python broadcasts first); any rank, XLA's default dense
// row-major layout, so element i of each is at offset i.
//
// Compiled by Python at first use with the host's C++ compiler against the headers of the
// installed jaxlib (jax.ffi.include_dir()), cached on disk by a hash of this file, the
// headers it includes and the compiler (src/logbessel/_jax_ffi.py).
#include <cstddef>
#include <cstdint>
#include <string>

#include "logbessel/registry.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

#define LOGBESSEL_FFI_ROW(NAME, ...) row_##NAME,
enum Row : int { LOGBESSEL_FUNCTIONS(LOGBESSEL_FFI_ROW) kRowCount };
#undef LOGBESSEL_FFI_ROW

// ---------------------------------------------------------------------------------------
// CPU: a NumPy inner loop (args: inputs then output; dimensions[0] = n; steps in bytes).
// ---------------------------------------------------------------------------------------
using Loop = void (*)(char** args, const std::ptrdiff_t* dimensions, const std::ptrdiff_t* steps, void* data);
Loop g_loops[kRowCount][2] = {};  // [row][0: float32, 1: float64]

// The operands as the loop wants them, or an error: every input of the output's dtype and
// element count.
template <int N>
ffi::Error gather(const ffi::RemainingArgs& args, const ffi::AnyBuffer& out, int& dtype, void** ptrs) {
    if (args.size() != size_t(N))
        return ffi::Error::InvalidArgument("logbessel: expected " + std::to_string(N) + " operands, got " +
                                           std::to_string(args.size()));
    const ffi::DataType t = out.element_type();
    if (t != ffi::DataType::F32 && t != ffi::DataType::F64)
        return ffi::Error::InvalidArgument("logbessel: operands must be float32 or float64");
    dtype = t == ffi::DataType::F32 ? 0 : 1;
    for (int k = 0; k < N; ++k) {
        ffi::ErrorOr<ffi::AnyBuffer> a = args.get<ffi::AnyBuffer>(size_t(k));
        if (!a.has_value()) return a.error();
        if (a->element_type() != t || a->element_count() != out.element_count())
            return ffi::Error::InvalidArgument("logbessel: operands must share the result's dtype and shape");
        ptrs[k] = a->untyped_data();
    }
    ptrs[N] = out.untyped_data();
    return ffi::Error::Success();
}

template <int R, int N>
ffi::Error cpu_call(ffi::RemainingArgs args, ffi::Result<ffi::AnyBuffer> out) {
    void* ptrs[N + 1];
    int dtype = 0;
    ffi::Error err = gather<N>(args, *out, dtype, ptrs);
    if (err.failure()) return err;
    const Loop loop = g_loops[R][dtype];
    if (loop == nullptr) return ffi::Error::Internal("logbessel: the CPU loops were not set (load through logbessel.jax)");
    const std::ptrdiff_t n = std::ptrdiff_t(out->element_count());
    if (n == 0) return ffi::Error::Success();
    char* cargs[N + 1];
    std::ptrdiff_t steps[N + 1];
    for (int k = 0; k <= N; ++k) {
        cargs[k] = static_cast<char*>(ptrs[k]);
        steps[k] = dtype ? std::ptrdiff_t(sizeof(double)) : std::ptrdiff_t(sizeof(float));
    }
    loop(cargs, &n, steps, nullptr);
    return ffi::Error::Success();
}

// ---------------------------------------------------------------------------------------
// CUDA: cuLaunchKernel (the driver API's, as a plain function pointer: CUresult is an int,
// CUfunction and CUstream are pointers) and, per row, dtype and device, the kernel.
// ---------------------------------------------------------------------------------------
using LaunchFn = int (*)(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                         unsigned shared, void* stream, void** params, void** extra);
// cuPointerGetAttribute: the device of a buffer (the attribute CU_POINTER_ATTRIBUTE_
// DEVICE_ORDINAL = 9), which older XLA FFI headers have no context entry for.
using PointerAttributeFn = int (*)(void* data, int attribute, std::uintptr_t pointer);
constexpr int kPointerDeviceOrdinal = 9;
constexpr int kMaxDevices = 64;
constexpr int kMaxPhases = 16;
LaunchFn g_launch = nullptr;
PointerAttributeFn g_pointer_attribute = nullptr;
void* g_kernels[kRowCount][2][kMaxDevices] = {};
// Per row: whether its kernels sort by key (4 elements per thread and pass), and the phase
// boundaries for arrays of at least g_phase_min_n elements (kernels.cu; _gpu.py's PHASES).
bool g_sorted[kRowCount] = {};
int g_phases[kRowCount][kMaxPhases + 1] = {};
int g_nphases[kRowCount] = {};  // boundaries held (0: one launch over all keys)
int g_key_count = 1;
long long g_phase_min_n = 1LL << 20;
constexpr unsigned kBlock = 256;
constexpr long long kTilePerThread = 4;

template <int R, int N>
ffi::Error cuda_call(void* stream, ffi::RemainingArgs args, ffi::Result<ffi::AnyBuffer> out) {
    void* ptrs[N + 1];
    int dtype = 0;
    ffi::Error err = gather<N>(args, *out, dtype, ptrs);
    if (err.failure()) return err;
    int device = -1;
    if (g_pointer_attribute == nullptr ||
        g_pointer_attribute(&device, kPointerDeviceOrdinal, reinterpret_cast<std::uintptr_t>(ptrs[N])) != 0)
        return ffi::Error::Internal("logbessel: cannot tell the device of the result buffer");
    if (device < 0 || device >= kMaxDevices || g_launch == nullptr || g_kernels[R][dtype][device] == nullptr)
        return ffi::Error::Internal("logbessel: no CUDA kernel loaded for this function, dtype and device "
                                    "(logbessel.jax loads them when a function is first traced on a GPU)");
    long long n = (long long)out->element_count();
    if (n == 0) return ffi::Error::Success();
    // kernels.cu's parameters: inputs, out, n, ndim, one stride per input, the output's
    // stride, layout, key_lo, key_hi (ndim 1, unit strides: contiguous operands)
    int ndim = 1;
    long long strides[N + 1];
    for (int k = 0; k <= N; ++k) strides[k] = 1;
    const long long* layout = nullptr;
    int key_lo = 0, key_hi = g_key_count;
    void* params[2 * (N + 1) + 5];
    int p = 0;
    for (int k = 0; k <= N; ++k) params[p++] = &ptrs[k];
    params[p++] = &n;
    params[p++] = &ndim;
    for (int k = 0; k <= N; ++k) params[p++] = &strides[k];
    params[p++] = &layout;
    params[p++] = &key_lo;
    params[p++] = &key_hi;
    const long long per = (long long)kBlock * (g_sorted[R] ? kTilePerThread : 1);
    long long grid = (n + per - 1) / per;
    if (grid > 0x7fffffffLL) grid = 0x7fffffffLL;  // (the kernels loop over what is left)
    const int nb = n >= g_phase_min_n ? g_nphases[R] : 0;
    const int launches = nb >= 2 ? nb - 1 : 1;
    for (int i = 0; i < launches; ++i) {
        if (nb >= 2) {
            key_lo = g_phases[R][i];
            key_hi = g_phases[R][i + 1];
        }
        const int rc = g_launch(g_kernels[R][dtype][device], unsigned(grid), 1, 1, kBlock, 1, 1, 0, stream, params,
                                nullptr);
        if (rc != 0) return ffi::Error::Internal("logbessel: cuLaunchKernel failed with CUresult " + std::to_string(rc));
    }
    return ffi::Error::Success();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// What Python sets (through ctypes) before registering the targets. Each returns 0, or -1
// for an argument out of range.
// ---------------------------------------------------------------------------------------
extern "C" {

int logbessel_ffi_row_count() { return kRowCount; }

int logbessel_ffi_set_cpu_loops(int row, std::uintptr_t f32, std::uintptr_t f64) {
    if (row < 0 || row >= kRowCount) return -1;
    g_loops[row][0] = reinterpret_cast<Loop>(f32);
    g_loops[row][1] = reinterpret_cast<Loop>(f64);
    return 0;
}

int logbessel_ffi_set_cuda_driver(std::uintptr_t launch, std::uintptr_t pointer_attribute) {
    g_launch = reinterpret_cast<LaunchFn>(launch);
    g_pointer_attribute = reinterpret_cast<PointerAttributeFn>(pointer_attribute);
    return 0;
}

int logbessel_ffi_set_cuda_row(int row, int sorted, const int* phases, int nphases, int key_count,
                               long long phase_min_n) {
    if (row < 0 || row >= kRowCount || nphases < 0 || nphases > kMaxPhases + 1) return -1;
    g_sorted[row] = sorted != 0;
    for (int i = 0; i < nphases; ++i) g_phases[row][i] = phases[i];
    g_nphases[row] = nphases;
    g_key_count = key_count;
    g_phase_min_n = phase_min_n;
    return 0;
}

int logbessel_ffi_set_cuda_kernel(int row, int dtype, int device, std::uintptr_t function) {
    if (row < 0 || row >= kRowCount || dtype < 0 || dtype > 1 || device < 0 || device >= kMaxDevices) return -1;
    g_kernels[row][dtype][device] = reinterpret_cast<void*>(function);
    return 0;
}

}  // extern "C"

// The handlers: logbessel_cpu_<NAME> and logbessel_cuda_<NAME> per public row.
#define LOGBESSEL_FFI_HANDLERS(NAME, ARITY, ...)                                                        \
    XLA_FFI_DEFINE_HANDLER_SYMBOL(logbessel_cpu_##NAME, (cpu_call<row_##NAME, ARITY>),                  \
                                  ffi::Ffi::Bind().RemainingArgs().Ret<ffi::AnyBuffer>());              \
    XLA_FFI_DEFINE_HANDLER_SYMBOL(logbessel_cuda_##NAME, (cuda_call<row_##NAME, ARITY>),                \
                                  ffi::Ffi::Bind()                                                      \
                                      .Ctx<ffi::PlatformStream<void*>>()                                \
                                      .RemainingArgs()                                                  \
                                      .Ret<ffi::AnyBuffer>());
LOGBESSEL_FUNCTIONS(LOGBESSEL_FFI_HANDLERS)
#undef LOGBESSEL_FFI_HANDLERS
