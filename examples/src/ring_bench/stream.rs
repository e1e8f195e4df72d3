//! Byte-stream baselines: a Unix socket pair and a pipe, the file descriptors inherited by the
//! peer process. Messages are written whole; a batch is one `write` of 32 messages and a batched
//! read takes whatever whole messages have arrived.

use std::fs::File;
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::channel::{BATCH, Receiver, Sender};
use super::messages::{Message, as_bytes, from_bytes};

/// One end of a byte stream carrying messages of type `T`.
pub struct Stream<T> {
    file: File,
    buf: Vec<u8>,
    filled: usize,
    _t: PhantomData<T>,
}

impl<T: Message> Stream<T> {
    /// Wraps an open descriptor.
    pub fn new(fd: OwnedFd) -> Stream<T> {
        Stream {
            file: File::from(fd),
            buf: vec![0; BATCH * size_of::<T>()],
            filled: 0,
            _t: PhantomData,
        }
    }

    /// Takes over descriptor `fd` inherited from the parent.
    pub fn inherited(fd: RawFd) -> Stream<T> {
        // SAFETY: the parent passed this descriptor number for us alone; nothing else in this
        // process owns it.
        Stream::new(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// A second handle on the same stream (for the other direction of a socket).
    pub fn try_clone(&self) -> Stream<T> {
        Stream::new(self.file.try_clone().expect("dup").into())
    }
}

impl<T: Message> Sender<T> for Stream<T> {
    fn send(&mut self, msg: &T) {
        self.file
            .write_all(as_bytes(std::slice::from_ref(msg)))
            .expect("write");
    }

    fn send_batch(&mut self, msgs: &[T]) {
        self.file.write_all(as_bytes(msgs)).expect("write");
    }
}

impl<T: Message> Receiver<T> for Stream<T> {
    fn recv(&mut self) -> T {
        let s = size_of::<T>();
        self.file.read_exact(&mut self.buf[..s]).expect("read");
        from_bytes(&self.buf[..s])
    }

    fn recv_batch(&mut self, out: &mut [T]) -> usize {
        let s = size_of::<T>();
        let want = out.len().min(BATCH) * s;
        while self.filled < s {
            let n = self
                .file
                .read(&mut self.buf[self.filled..want])
                .expect("read");
            assert!(n > 0, "the peer closed the stream");
            self.filled += n;
        }
        let k = self.filled / s;
        for (i, o) in out[..k].iter_mut().enumerate() {
            *o = from_bytes(&self.buf[i * s..(i + 1) * s]);
        }
        self.buf.copy_within(k * s..self.filled, 0);
        self.filled -= k * s;
        k
    }
}

/// A connected Unix stream socket pair, both ends close-on-exec.
pub fn socket_pair() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    assert_eq!(rc, 0, "socketpair: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// A pipe, both ends close-on-exec: (read end, write end).
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Lets the next spawned process inherit `fd` (clears close-on-exec); returns its number.
pub fn inheritable(fd: &OwnedFd) -> RawFd {
    // SAFETY: `fd` is open for the duration of the call; F_SETFD only changes its flags.
    let rc = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, 0) };
    assert_eq!(rc, 0, "fcntl: {}", std::io::Error::last_os_error());
    fd.as_raw_fd()
}
