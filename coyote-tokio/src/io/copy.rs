//! `copy`, `copy_buf`, `copy_bidirectional`: tokio's in production; in a test, the same loops
//! without tokio's cooperative budget (which coyote reports as real tokio), so copying over the
//! simulated network is controlled: each read and write is the network's scheduling point.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// One direction of a copy: what was read and not yet written.
struct Pump {
    buf: Box<[u8]>,
    pos: usize,
    cap: usize,
    read_done: bool,
    total: u64,
}

impl Pump {
    fn new(size: usize) -> Pump {
        Pump {
            buf: vec![0; size.max(1)].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            total: 0,
        }
    }

    /// Copies until `reader` ends and `writer` is flushed; the bytes copied.
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos == self.cap && !self.read_done {
                let mut rb = ReadBuf::new(&mut self.buf);
                ready!(reader.as_mut().poll_read(cx, &mut rb))?;
                let n = rb.filled().len();
                if n == 0 {
                    self.read_done = true;
                } else {
                    self.pos = 0;
                    self.cap = n;
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write zero byte into writer",
                    )));
                }
                self.pos += n;
                self.total += n as u64;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                return Poll::Ready(Ok(self.total));
            }
        }
    }
}

/// Copies `reader` into `writer` until the reader ends; mirrors `tokio::io::copy`.
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    if !coyote_harness::is_test_mode() {
        return tokio::io::copy(reader, writer).await;
    }
    let mut pump = Pump::new(8 * 1024);
    poll_fn(|cx| pump.poll(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

/// Copies a buffered `reader` into `writer`; mirrors `tokio::io::copy_buf`.
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    if !coyote_harness::is_test_mode() {
        return tokio::io::copy_buf(reader, writer).await;
    }
    copy(reader, writer).await
}

/// Copies both ways between `a` and `b` until both ends close; mirrors
/// `tokio::io::copy_bidirectional`. Returns the bytes copied a to b and b to a.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, 8 * 1024, 8 * 1024).await
}

/// [`copy_bidirectional`] with the buffer sizes of each direction.
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b: usize,
    b_to_a: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    if !coyote_harness::is_test_mode() {
        return tokio::io::copy_bidirectional_with_sizes(a, b, a_to_b, b_to_a).await;
    }
    let (mut ab, mut ba) = (Pump::new(a_to_b), Pump::new(b_to_a));
    let (mut ab_done, mut ba_done): (Option<u64>, Option<u64>) = (None, None);
    let (mut b_shut, mut a_shut) = (false, false);
    poll_fn(|cx| {
        if ab_done.is_none() {
            if let Poll::Ready(r) = ab.poll(cx, Pin::new(&mut *a), Pin::new(&mut *b)) {
                ab_done = Some(r?);
            }
        }
        if ab_done.is_some() && !b_shut {
            if let Poll::Ready(r) = Pin::new(&mut *b).poll_shutdown(cx) {
                r?;
                b_shut = true;
            }
        }
        if ba_done.is_none() {
            if let Poll::Ready(r) = ba.poll(cx, Pin::new(&mut *b), Pin::new(&mut *a)) {
                ba_done = Some(r?);
            }
        }
        if ba_done.is_some() && !a_shut {
            if let Poll::Ready(r) = Pin::new(&mut *a).poll_shutdown(cx) {
                r?;
                a_shut = true;
            }
        }
        match (ab_done, ba_done) {
            (Some(x), Some(y)) if a_shut && b_shut => Poll::Ready(Ok((x, y))),
            _ => Poll::Pending,
        }
    })
    .await
}
