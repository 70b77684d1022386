//! Replay's line scanner, compiled to WebAssembly (engine/replay/event-scan.ts loads it). For
//! each JSON line: is it certainly one JSON object, as JSON.parse would take it, and where is
//! its host name, as hostKey() would find it in the parsed object? Whatever it cannot say for
//! certain (invalid JSON, a blank line, a byte-order mark, an escaped key, deep nesting) is a
//! "doubt", which the caller settles with JSON.parse: the counts stay exact, and JSON.parse
//! runs only on the few lines that need it. Built by `npm run gen:event-scan`.
#![no_std]

use core::arch::wasm32::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Per line: start, end (terminator dropped), next (after the \n), kind, host start, host end.
pub const RECORD: usize = 6;
pub const EVENT: u32 = 0;
pub const EVENT_ESCAPED_HOST: u32 = 1;
pub const DOUBT: u32 = 2;

const MAX_DEPTH: usize = 256;
const NONE: u8 = 255;
// Top-level keys that matter, and the slot each fills (order = hostKey's preference).
const S_HOSTNAME: u8 = 0;
const S_HOST_NAME: u8 = 1;
const S_WINLOG_COMPUTER: u8 = 2;
const S_COMPUTER_NAME: u8 = 3;
const S_COMPUTER: u8 = 4;
const K_HOST: u8 = 10;
const K_WINLOG: u8 = 11;

extern "C" {
    static __heap_base: u8;
}

#[no_mangle]
pub extern "C" fn heap_base() -> u32 {
    unsafe { &__heap_base as *const u8 as u32 }
}

struct Slots {
    start: [u32; 5],
    end: [u32; 5],
    set: [bool; 5],
    escaped: [bool; 5],
}

#[inline(always)]
fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

/// End of the string whose opening quote is at `i` (index of the closing quote), or None.
/// `escaped` tells whether it holds a backslash escape. `b` has 16 readable bytes past its end.
#[inline(always)]
fn string_end(b: *const u8, len: usize, mut i: usize, escaped: &mut bool) -> Option<usize> {
    i += 1;
    let quote = u8x16_splat(b'"');
    let backslash = u8x16_splat(b'\\');
    let space = u8x16_splat(0x20);
    loop {
        if i >= len {
            return None;
        }
        let v = unsafe { v128_load(b.add(i) as *const v128) };
        let hits = v128_or(v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)), u8x16_lt(v, space));
        let mask = u8x16_bitmask(hits) as u32;
        if mask == 0 {
            i += 16;
            continue;
        }
        i += mask.trailing_zeros() as usize;
        if i >= len {
            return None;
        }
        let c = unsafe { *b.add(i) };
        if c == b'"' {
            return Some(i);
        }
        if c < 0x20 {
            return None;
        }
        // A backslash: one of JSON's escapes.
        *escaped = true;
        i += 1;
        if i >= len {
            return None;
        }
        match unsafe { *b.add(i) } {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 1,
            b'u' => {
                if i + 4 >= len {
                    return None;
                }
                for k in 1..5 {
                    if !(unsafe { *b.add(i + k) }).is_ascii_hexdigit() {
                        return None;
                    }
                }
                i += 5;
            }
            _ => return None,
        }
    }
}

/// The index after the run of digits at `i` (`i` itself when there is none).
#[inline(always)]
fn digits_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// The end of the JSON number at `i`: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or None.
#[inline(always)]
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let len = b.len();
    if b[i] == b'-' {
        i += 1;
    }
    if i >= len {
        return None;
    }
    if b[i] == b'0' {
        i += 1;
    } else if b[i].is_ascii_digit() {
        i = digits_end(b, i);
    } else {
        return None;
    }
    if i < len && b[i] == b'.' {
        let e = digits_end(b, i + 1);
        if e == i + 1 {
            return None;
        }
        i = e;
    }
    if i < len && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < len && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = digits_end(b, i);
        if e == i {
            return None;
        }
        i = e;
    }
    Some(i)
}

fn top_key(k: &[u8]) -> u8 {
    match k {
        b"Hostname" => S_HOSTNAME,
        b"host" => K_HOST,
        b"winlog" => K_WINLOG,
        b"computer_name" => S_COMPUTER_NAME,
        b"Computer" => S_COMPUTER,
        _ => NONE,
    }
}

/// Is `line` certainly one JSON object? Fills the host slots as JSON.parse's last-wins would.
fn scan_object(line: &[u8], base: *const u8, slots: &mut Slots) -> bool {
    let len = line.len();
    let mut i = 0;
    while i < len && is_ws(line[i]) {
        i += 1;
    }
    if i >= len || line[i] != b'{' {
        return false;
    }
    // The open containers (0 an object, 1 an array); the top object is stack[0].
    let mut stack = [0u8; MAX_DEPTH];
    // K_HOST or K_WINLOG while the open depth-2 container is that member's object.
    let mut ctx2: u8 = NONE;
    // The slot (or K_HOST / K_WINLOG) that the value about to be read fills.
    let mut pending: u8 = NONE;
    let mut depth = 1;
    i += 1;
    macro_rules! skip_ws {
        () => {
            while i < len && is_ws(line[i]) {
                i += 1;
            }
        };
    }
    // The main loop's state: 0 = expect a key or '}' (just after '{'), 1 = expect a key (after
    // ','), 2 = expect a value, 3 = after a value.
    let mut state: u8 = 0;
    // Past a closing bracket: the container ends, and with a depth-2 one, host's or winlog's scope.
    macro_rules! close_container {
        () => {
            i += 1;
            depth -= 1;
            if depth == 1 {
                ctx2 = NONE;
            }
            state = 3;
        };
    }
    loop {
        match state {
            0 | 1 => {
                skip_ws!();
                if i >= len {
                    return false;
                }
                let c = line[i];
                if c == b'}' && state == 0 {
                    close_container!();
                    continue;
                }
                if c != b'"' {
                    return false;
                }
                let mut esc = false;
                let e = match string_end(base, len, i, &mut esc) {
                    Some(e) => e,
                    None => return false,
                };
                let key = &line[i + 1..e];
                pending = NONE;
                if depth == 1 {
                    if esc {
                        return false; // an escaped key might spell one that matters
                    }
                    pending = top_key(key);
                } else if depth == 2 && ctx2 != NONE {
                    if esc {
                        return false;
                    }
                    if ctx2 == K_HOST && key == b"name" {
                        pending = S_HOST_NAME;
                    } else if ctx2 == K_WINLOG && key == b"computer_name" {
                        pending = S_WINLOG_COMPUTER;
                    }
                }
                i = e + 1;
                skip_ws!();
                if i >= len || line[i] != b':' {
                    return false;
                }
                i += 1;
                state = 2;
            }
            2 => {
                skip_ws!();
                if i >= len {
                    return false;
                }
                let c = line[i];
                let p = pending;
                pending = NONE;
                if p == K_HOST || p == K_WINLOG {
                    // A later "host" or "winlog" replaces the earlier one whole.
                    let s = if p == K_HOST { S_HOST_NAME } else { S_WINLOG_COMPUTER } as usize;
                    slots.set[s] = false;
                }
                match c {
                    b'"' => {
                        let mut esc = false;
                        let e = match string_end(base, len, i, &mut esc) {
                            Some(e) => e,
                            None => return false,
                        };
                        if p <= S_COMPUTER {
                            let s = p as usize;
                            slots.set[s] = true;
                            slots.start[s] = (i + 1) as u32;
                            slots.end[s] = e as u32;
                            slots.escaped[s] = esc;
                        }
                        i = e + 1;
                        state = 3;
                    }
                    b'{' | b'[' => {
                        if p <= S_COMPUTER {
                            slots.set[p as usize] = false;
                        }
                        if depth >= MAX_DEPTH {
                            return false;
                        }
                        stack[depth] = if c == b'{' { 0 } else { 1 };
                        if depth == 1 {
                            ctx2 = if c == b'{' && (p == K_HOST || p == K_WINLOG) { p } else { NONE };
                        }
                        depth += 1;
                        i += 1;
                        if c == b'{' {
                            state = 0;
                        } else {
                            skip_ws!();
                            if i < len && line[i] == b']' {
                                close_container!();
                            } else {
                                state = 2;
                            }
                        }
                    }
                    _ => {
                        if p <= S_COMPUTER {
                            slots.set[p as usize] = false;
                        }
                        let e = match c {
                            b't' if line[i..].starts_with(b"true") => i + 4,
                            b'f' if line[i..].starts_with(b"false") => i + 5,
                            b'n' if line[i..].starts_with(b"null") => i + 4,
                            b'-' | b'0'..=b'9' => match number_end(line, i) {
                                Some(e) => e,
                                None => return false,
                            },
                            _ => return false,
                        };
                        i = e;
                        state = 3;
                    }
                }
            }
            _ => {
                skip_ws!();
                if depth == 0 {
                    return i == len;
                }
                if i >= len {
                    return false;
                }
                let c = line[i];
                let top = stack[depth - 1];
                if c == b',' {
                    i += 1;
                    state = if top == 0 { 1 } else { 2 };
                } else if (c == b'}' && top == 0) || (c == b']' && top == 1) {
                    close_container!();
                } else {
                    return false;
                }
            }
        }
    }
}

/// Scans the lines of `data` (at `ptr`, `len` bytes, 16 readable bytes past its end) from offset
/// `from` (a line's start) into records at `out`: RECORD u32s per line, offsets from `ptr`, at
/// most `max` lines. Without `last`, a line with no \n is left for the next call. Returns the
/// number of lines recorded.
#[no_mangle]
pub extern "C" fn scan(ptr: *const u8, from: usize, len: usize, last: u32, out: *mut u32, max: usize) -> usize {
    let data = unsafe { core::slice::from_raw_parts(ptr, len) };
    let mut start = from;
    let mut n = 0usize;
    while start < len && n < max {
        let nl = match memchr_nl(ptr, len, start) {
            Some(p) => p,
            None => {
                if last == 0 {
                    break;
                }
                len
            }
        };
        let end = if nl > start && data[nl - 1] == b'\r' { nl - 1 } else { nl };
        let mut slots = Slots { start: [0; 5], end: [0; 5], set: [false; 5], escaped: [false; 5] };
        let line = &data[start..end];
        let ok = scan_object(line, unsafe { ptr.add(start) }, &mut slots);
        let rec = unsafe { core::slice::from_raw_parts_mut(out.add(n * RECORD), RECORD) };
        rec[0] = start as u32;
        rec[1] = end as u32;
        rec[2] = (nl + 1) as u32;
        rec[3] = DOUBT;
        rec[4] = 0;
        rec[5] = 0;
        if ok {
            rec[3] = EVENT;
            for s in 0..5 {
                if slots.set[s] && slots.end[s] > slots.start[s] {
                    rec[3] = if slots.escaped[s] { EVENT_ESCAPED_HOST } else { EVENT };
                    rec[4] = slots.start[s] + start as u32;
                    rec[5] = slots.end[s] + start as u32;
                    break;
                }
            }
        }
        n += 1;
        start = nl + 1;
    }
    n
}

#[inline(always)]
fn memchr_nl(b: *const u8, len: usize, mut i: usize) -> Option<usize> {
    let nl = u8x16_splat(b'\n');
    while i < len {
        let v = unsafe { v128_load(b.add(i) as *const v128) };
        let mask = u8x16_bitmask(u8x16_eq(v, nl)) as u32;
        if mask != 0 {
            let p = i + mask.trailing_zeros() as usize;
            return if p < len { Some(p) } else { None };
        }
        i += 16;
    }
    None
}
