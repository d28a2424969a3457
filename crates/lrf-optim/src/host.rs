//! Fused CPU kernels: when every tensor lives on burn's `flex` CPU backend, optimizers update
//! parameters and state in one pass over memory, on the raw f32/f64 storage, in parallel chunks;
//! otherwise they fall back to burn tensor operations (any device).

use std::ops::{Add, Div, Mul, Neg, Sub};

use burn::tensor::{DType, Device, Tensor};
use burn_flex::{Flex, FlexTensor};

/// Elements per parallel chunk: large enough to amortise scheduling, small enough to split
/// 1M-parameter tensors across cores. Reductions sum fixed chunks in order, so results do not
/// depend on the thread count.
pub(crate) const CHUNK: usize = 1 << 14;

/// f32 or f64, the element types kernels run in.
pub(crate) trait Real:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + bytemuck::Pod
    + burn::tensor::Element
{
    /// `x` rounded to this type.
    fn of(x: f64) -> Self;
    /// Widened to f64.
    fn f64(self) -> f64;
    /// √self.
    fn sqrt(self) -> Self;
    /// |self|.
    fn abs(self) -> Self;
    /// The larger, `self` when either is NaN (like `max` in Python).
    fn maximum(self, other: Self) -> Self {
        if other > self {
            other
        } else {
            self
        }
    }
}

impl Real for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    fn f64(self) -> f64 {
        self as f64
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    fn abs(self) -> Self {
        f32::abs(self)
    }
}

impl Real for f64 {
    fn of(x: f64) -> Self {
        x
    }
    fn f64(self) -> f64 {
        self
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn abs(self) -> Self {
        f64::abs(self)
    }
}

/// The element type shared by all `tensors` when they are all f32 or f64 tensors on the flex
/// device and fused kernels are enabled; `None` sends the optimizer to its tensor-operation
/// path.
pub(crate) fn host_dtype<'a>(tensors: impl IntoIterator<Item = &'a Tensor<1>>) -> Option<DType> {
    if !crate::kernel_switch::fused_kernels_enabled() {
        return None;
    }
    let flex = Device::flex();
    let mut dtype = None;
    for t in tensors {
        let d = t.dtype();
        if t.device() != flex
            || !matches!(d, DType::F32 | DType::F64)
            || dtype.is_some_and(|x| x != d)
        {
            return None;
        }
        dtype = Some(d);
    }
    dtype
}

/// [`host_dtype`] of every value and gradient in `params`.
pub(crate) fn param_dtype(params: &[crate::param::ParamTensor]) -> Option<DType> {
    host_dtype(params.iter().flat_map(|p| [&p.value, &p.grad]))
}

/// A tensor's storage on the CPU, taken out of the tensor (no copy when it is the only owner
/// and contiguous).
pub(crate) struct Host(FlexTensor);

impl Host {
    /// Takes the storage of a flex tensor (checked by [`host_dtype`]).
    pub(crate) fn take(tensor: Tensor<1>) -> Self {
        let flex = tensor
            .try_into_primitive::<Flex>()
            .expect("host_dtype checked the tensor is on flex");
        if flex.is_contiguous()
            && flex
                .layout()
                .contiguous_offsets()
                .is_some_and(|(s, _)| s == 0)
        {
            Host(flex)
        } else {
            Host(flex.to_contiguous())
        }
    }

    /// Takes the storage of `tensor`, leaving an empty tensor in its place.
    pub(crate) fn take_from(tensor: &mut Tensor<1>) -> Self {
        let empty = FlexTensor::empty(burn::tensor::Shape::new([0]), tensor.dtype());
        Self::take(std::mem::replace(
            tensor,
            Tensor::from_primitive::<Flex>(empty),
        ))
    }

    /// A copy in new storage (for a state buffer initialised from a parameter).
    pub(crate) fn duplicate<T: Real>(&self) -> Self {
        Host(FlexTensor::from_data(burn::tensor::TensorData::new(
            self.slice::<T>().to_vec(),
            [self.len()],
        )))
    }

    /// A new tensor of `len` elements, each `value`.
    pub(crate) fn filled<T: Real>(len: usize, value: T) -> Self {
        Host(FlexTensor::filled_typed(
            burn::tensor::Shape::new([len]),
            T::dtype(),
            value,
        ))
    }

    /// Number of elements.
    pub(crate) fn len(&self) -> usize {
        self.0.layout().num_elements()
    }

    /// A new zero tensor of `len` elements of type `T`.
    pub(crate) fn zeros<T: Real>(len: usize) -> Self {
        Self::filled(len, T::of(0.0))
    }

    /// The tensor again.
    pub(crate) fn into_tensor(self) -> Tensor<1> {
        Tensor::from_primitive::<Flex>(self.0)
    }

    /// Read-only elements.
    pub(crate) fn slice<T: Real>(&self) -> &[T] {
        self.0
            .as_slice::<T>()
            .expect("contiguous storage of the checked dtype")
    }

    /// Mutable elements (copied first if the storage is shared with another tensor).
    pub(crate) fn slice_mut<T: Real>(&mut self) -> &mut [T] {
        let len = self.0.layout().num_elements();
        &mut self.0.storage_mut::<T>()[..len]
    }
}

/// One parallel job of [`par_zip`]: matching chunks of the written and read slices.
type Job<'a, T, const W: usize, const R: usize> = ([&'a mut [T]; W], [&'a [T]; R]);

/// Runs `kernel` over matching chunks of the `W` written and `R` read slices (all of one
/// length), in parallel, and returns the `K` sums it reports per chunk, added in chunk order
/// (deterministic for any thread count).
pub(crate) fn par_zip<T: Real, const W: usize, const R: usize, const K: usize>(
    writes: [&mut [T]; W],
    reads: [&[T]; R],
    kernel: impl Fn([&mut [T]; W], [&[T]; R]) -> [f64; K] + Sync,
) -> [f64; K] {
    use rayon::prelude::*;
    let n = writes
        .first()
        .map(|w| w.len())
        .or_else(|| reads.first().map(|r| r.len()))
        .unwrap_or(0);
    debug_assert!(writes.iter().all(|w| w.len() == n) && reads.iter().all(|r| r.len() == n));
    let chunks = n.div_ceil(CHUNK);
    let mut w_iters = writes.map(|w| w.chunks_mut(CHUNK));
    let mut r_iters = reads.map(|r| r.chunks(CHUNK));
    let jobs: Vec<Job<'_, T, W, R>> = (0..chunks)
        .map(|_| {
            (
                w_iters
                    .each_mut()
                    .map(|it| it.next().expect("equal lengths")),
                r_iters
                    .each_mut()
                    .map(|it| it.next().expect("equal lengths")),
            )
        })
        .collect();
    let partial: Vec<[f64; K]> = if chunks > 1 {
        jobs.into_par_iter().map(|(w, r)| kernel(w, r)).collect()
    } else {
        jobs.into_iter().map(|(w, r)| kernel(w, r)).collect()
    };
    let mut total = [0.0; K];
    for p in partial {
        for (t, x) in total.iter_mut().zip(p) {
            *t += x;
        }
    }
    total
}

/// Σ f(a[i], b[i], …) over inputs of one length: 16 lanes of `T` per block of 256 elements
/// (fixed-length slices, so the loop vectorises), each block's sum added to an f64 total in
/// order (deterministic, and in f32 far more accurate than one running f32 sum).
#[inline(always)]
pub(crate) fn sum_map<T: Real, const R: usize>(inputs: [&[T]; R], f: impl Fn([T; R]) -> T) -> f64 {
    const LANES: usize = 16;
    const BLOCK: usize = 256;
    let n = inputs.first().map_or(0, |s| s.len());
    let full = n / BLOCK * BLOCK;
    let mut total = 0.0f64;
    for base in (0..full).step_by(BLOCK) {
        let block: [&[T]; R] = inputs.map(|s| &s[base..base + BLOCK]);
        let mut acc = [T::of(0.0); LANES];
        for j in (0..BLOCK).step_by(LANES) {
            let lanes: [&[T]; R] = block.map(|s| &s[j..j + LANES]);
            for (k, a) in acc.iter_mut().enumerate() {
                *a = *a + f(std::array::from_fn(|r| lanes[r][k]));
            }
        }
        total += acc.iter().fold(0.0, |s, a| s + a.f64());
    }
    // The index picks one element from each of the R inputs.
    #[allow(clippy::needless_range_loop)]
    for i in full..n {
        total += f(std::array::from_fn(|r| inputs[r][i])).f64();
    }
    total
}
