/* zil.hpp: the C++ face of zil, header-only, on top of zil.h (C++17).
 *
 * - Every handle is a move-only RAII class: zil::Outport, Inport, Message,
 *   RpcServer, RpcClient, Outpad, Inpad, Options, Monitor. The destructor
 *   frees the handle; a moved-from object holds no handle, and a call on it
 *   fails with ZIL_NULL_ARGUMENT like a C call with NULL.
 * - Bytes go in and out as zil::bytes, a view (pointer and size) that
 *   copies nothing; under C++20 it converts to std::span<const uint8_t>.
 *   Text goes in as std::string_view and comes out as std::string_view
 *   views lent by the object that returned them.
 * - Timeouts are std::chrono::milliseconds; zil::forever waits forever.
 * - Errors: with exceptions on, a failure throws zil::Error, carrying the
 *   zil_result and the zil_last_error() text. Every call also has a
 *   non-throwing form, try_*, returning zil::Status or zil::Result<T>, the
 *   only forms declared when built with -fno-exceptions.
 * - RPC handlers and the log hook are any callable, captures included: the
 *   wrapper owns it and zil destroys it through release when the handler is
 *   replaced or removed, its server freed, or the log hook replaced. An
 *   exception escaping a handler becomes a JSON-RPC error reply
 *   (ZIL_RPC_INTERNAL_ERROR and the exception's what()); nothing is thrown
 *   across the C boundary.
 *
 * Threads, ownership of what zil lends, and the meaning of each call are
 * those of zil.h: read its comments.
 */
#ifndef ZIL_HPP
#define ZIL_HPP

#include "zil.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#if __cplusplus >= 202002L && __has_include(<span>)
#include <span>
#define ZIL_HPP_SPAN 1
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#include <exception>
#define ZIL_HPP_EXCEPTIONS 1
#endif

namespace zil {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// Waits without a bound (-1 in the C API).
inline constexpr milliseconds forever{-1};

/// A read-only view of bytes: copies nothing, owns nothing.
class bytes {
  public:
    constexpr bytes() noexcept = default;
    constexpr bytes(const std::uint8_t *data, std::size_t size) noexcept : data_(data), size_(size) {}
    bytes(const void *data, std::size_t size) noexcept
        : data_(static_cast<const std::uint8_t *>(data)), size_(size)
    {
    }
    /// The bytes of a text, without a terminating NUL.
    bytes(std::string_view text) noexcept
        : data_(reinterpret_cast<const std::uint8_t *>(text.data())), size_(text.size())
    {
    }
    /// The bytes of a NUL-terminated text, without the NUL.
    bytes(const char *text) noexcept : bytes(std::string_view(text)) {}
    /// The bytes of a contiguous container of bytes or chars
    /// (std::string, std::vector<uint8_t>, std::array ...).
    template <class C, class = std::enable_if_t<sizeof(*std::data(std::declval<const C &>())) == 1>,
              class = decltype(std::size(std::declval<const C &>()))>
    bytes(const C &container) noexcept
        : data_(reinterpret_cast<const std::uint8_t *>(std::data(container))), size_(std::size(container))
    {
    }
#ifdef ZIL_HPP_SPAN
    constexpr bytes(std::span<const std::uint8_t> span) noexcept : data_(span.data()), size_(span.size()) {}
    constexpr operator std::span<const std::uint8_t>() const noexcept { return {data_, size_}; }
#endif
    constexpr const std::uint8_t *data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const std::uint8_t *begin() const noexcept { return data_; }
    constexpr const std::uint8_t *end() const noexcept { return data_ + size_; }
    constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
    /// The same bytes as text.
    std::string_view as_string_view() const noexcept
    {
        return {reinterpret_cast<const char *>(data_), size_};
    }

  private:
    const std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
};

/// The outcome of a non-throwing call: a zil_result and, on failure, the
/// zil_last_error() text of that call.
class Status {
  public:
    Status() noexcept = default;
    Status(zil_result code, std::string message) : code_(code), message_(std::move(message)) {}
    bool ok() const noexcept { return code_ == ZIL_OK; }
    explicit operator bool() const noexcept { return ok(); }
    zil_result code() const noexcept { return code_; }
    const std::string &message() const noexcept { return message_; }

  private:
    zil_result code_ = ZIL_OK;
    std::string message_;
};

#ifdef ZIL_HPP_EXCEPTIONS
/// A failed zil call: its zil_result and the zil_last_error() text.
class Error : public std::exception {
  public:
    explicit Error(Status status) : status_(std::move(status)) {}
    Error(zil_result code, std::string message) : status_(code, std::move(message)) {}
    zil_result code() const noexcept { return status_.code(); }
    const char *what() const noexcept override { return status_.message().c_str(); }
    const Status &status() const noexcept { return status_; }

  private:
    Status status_;
};
#endif

/// A value or the Status of the call that could not make it.
template <class T> class Result {
  public:
    Result(T value) : value_(std::move(value)) {}
    Result(Status status) : status_(std::move(status)) {}
    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    const Status &status() const noexcept { return status_; }
    zil_result code() const noexcept { return status_.code(); }
    /// The value; with exceptions, throws zil::Error when there is none,
    /// without them aborts (check ok() first).
    T &value() &
    {
        require();
        return *value_;
    }
    T &&value() &&
    {
        require();
        return std::move(*value_);
    }

  private:
    void require() const
    {
        if (!value_) {
#ifdef ZIL_HPP_EXCEPTIONS
            throw Error(status_);
#else
            std::abort();
#endif
        }
    }
    std::optional<T> value_;
    Status status_;
};

namespace detail {

inline Status status(zil_result rc)
{
    if (rc == ZIL_OK)
        return Status();
    return Status(rc, zil_last_error());
}

/// What a C constructor returned: `handle` owned by a new T, or the error
/// the constructor set (it returns NULL only for bad arguments).
template <class T, class H> Result<T> adopt(H *handle)
{
    if (handle == nullptr)
        return Status(ZIL_INVALID_ARGUMENT, zil_last_error());
    return T(handle);
}

#ifdef ZIL_HPP_EXCEPTIONS
inline void check(const Status &s)
{
    if (!s.ok())
        throw Error(s);
}
template <class T> T check(Result<T> &&r) { return std::move(r).value(); }
#endif

/// A count as the C API's int32_t, clamped to its range (so that a value
/// beyond it stays beyond what zil accepts).
template <class Rep> std::int32_t int32_of(Rep n) noexcept
{
    if (n < std::numeric_limits<std::int32_t>::min())
        return std::numeric_limits<std::int32_t>::min();
    if (n > std::numeric_limits<std::int32_t>::max())
        return std::numeric_limits<std::int32_t>::max();
    return static_cast<std::int32_t>(n);
}

/// A timeout in the C convention: negative waits forever, longer than
/// INT32_MAX ms is clamped.
inline std::int32_t ms(milliseconds t) noexcept { return t.count() < 0 ? -1 : int32_of(t.count()); }

/// Seconds as the C API's int32_t.
inline std::int32_t secs(seconds t) noexcept { return int32_of(t.count()); }

/// NUL-terminated copy of a string_view; short texts stay on the stack.
class CStr {
  public:
    explicit CStr(std::string_view text)
    {
        if (text.size() < sizeof small_) {
            std::memcpy(small_, text.data(), text.size());
            small_[text.size()] = '\0';
            ptr_ = small_;
        } else {
            large_.assign(text.data(), text.size());
            ptr_ = large_.c_str();
        }
    }
    CStr(const CStr &) = delete;
    CStr &operator=(const CStr &) = delete;
    const char *get() const noexcept { return ptr_; }

  private:
    char small_[64];
    std::string large_;
    const char *ptr_;
};

/// A nullable C string argument: std::nullopt is NULL.
class OptCStr {
  public:
    OptCStr(std::optional<std::string_view> text)
    {
        if (text)
            text_.emplace(*text);
    }
    const char *get() const noexcept { return text_ ? text_->get() : nullptr; }

  private:
    std::optional<CStr> text_;
};

inline std::string_view view(const char *text) noexcept
{
    return text != nullptr ? std::string_view(text) : std::string_view();
}

/// A move-only owner of a C handle, freed by `Free`.
template <class T, void (*Free)(T *)> class Handle {
  public:
    Handle() noexcept = default;
    explicit Handle(T *raw) noexcept : raw_(raw) {}
    Handle(Handle &&other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
    Handle &operator=(Handle &&other) noexcept
    {
        if (this != &other)
            reset(std::exchange(other.raw_, nullptr));
        return *this;
    }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    ~Handle() { reset(nullptr); }
    T *get() const noexcept { return raw_; }
    T *release() noexcept { return std::exchange(raw_, nullptr); }
    void reset(T *raw) noexcept
    {
        if (raw_ != nullptr)
            Free(raw_);
        raw_ = raw;
    }

  private:
    T *raw_ = nullptr;
};

/// Deletes a callable that zil held as user_data.
template <class F> void release_callable(void *user_data) { delete static_cast<F *>(user_data); }

} // namespace detail

/// The C handle of a wrapper, for calling zil.h directly.
#define ZIL_HPP_HANDLE(T)                                                                          \
  public:                                                                                          \
    T *c_handle() const noexcept { return handle_.get(); }                                         \
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }                   \
                                                                                                   \
  private:                                                                                         \
    template <class U, class H> friend Result<U> detail::adopt(H *handle);

// --------------------------------------------------------------- Options

/// Settings for creating ports, pads, RPC servers and clients.
class Options {
    ZIL_HPP_HANDLE(zil_options_t)
  public:
    /// zil's defaults (see zil_options_new).
    Options() : handle_(zil_options_new())
    {
        if (handle_.get() == nullptr) {
#ifdef ZIL_HPP_EXCEPTIONS
            throw std::bad_alloc();
#else
            std::abort();
#endif
        }
    }

    Status try_sndhwm(int hwm) noexcept { return detail::status(zil_options_set_sndhwm(raw(), hwm)); }
    Status try_rcvhwm(int hwm) noexcept { return detail::status(zil_options_set_rcvhwm(raw(), hwm)); }
    Status try_linger(milliseconds t) noexcept
    {
        return detail::status(zil_options_set_linger(raw(), detail::ms(t)));
    }
    Status try_attach(zil_attach attach) noexcept
    {
        return detail::status(zil_options_set_attach(raw(), static_cast<int>(attach)));
    }
    Status try_prefix_match(bool prefix) noexcept
    {
        return detail::status(zil_options_set_prefix_match(raw(), prefix));
    }
    Status try_lossless(bool lossless, milliseconds timeout = forever) noexcept
    {
        return detail::status(zil_options_set_lossless(raw(), lossless, detail::ms(timeout)));
    }
    Status try_rpc_timeout(milliseconds t) noexcept
    {
        return detail::status(zil_options_set_rpc_timeout(raw(), detail::ms(t)));
    }
    Status try_max_session_id_len(std::size_t len) noexcept
    {
        return detail::status(zil_options_set_max_session_id_len(raw(), len));
    }
    Status try_max_msg_size(std::int64_t max_bytes) noexcept
    {
        return detail::status(zil_options_set_max_msg_size(raw(), max_bytes));
    }
    /// TCP keep-alive (zil_options_set_tcp_keepalive); idle 0s turns it off.
    Status try_tcp_keepalive(seconds idle, seconds interval, int probes) noexcept
    {
        return detail::status(zil_options_set_tcp_keepalive(raw(), detail::secs(idle),
                                                            detail::secs(interval), probes));
    }
    Status try_curve_server(std::string_view secret_key)
    {
        return detail::status(zil_options_set_curve_server(raw(), detail::CStr(secret_key).get()));
    }
    Status try_allow_curve_client(std::string_view public_key)
    {
        return detail::status(zil_options_allow_curve_client(raw(), detail::CStr(public_key).get()));
    }
    Status try_curve_client(std::string_view server_key, std::string_view public_key,
                            std::string_view secret_key)
    {
        return detail::status(zil_options_set_curve_client(raw(), detail::CStr(server_key).get(),
                                                           detail::CStr(public_key).get(),
                                                           detail::CStr(secret_key).get()));
    }
    Status try_curve_rpc_server_key(std::string_view server_key)
    {
        return detail::status(
            zil_options_set_curve_rpc_server_key(raw(), detail::CStr(server_key).get()));
    }

#ifdef ZIL_HPP_EXCEPTIONS
    Options &sndhwm(int hwm) { return done(try_sndhwm(hwm)); }
    Options &rcvhwm(int hwm) { return done(try_rcvhwm(hwm)); }
    Options &linger(milliseconds t) { return done(try_linger(t)); }
    Options &attach(zil_attach a) { return done(try_attach(a)); }
    Options &prefix_match(bool prefix) { return done(try_prefix_match(prefix)); }
    Options &lossless(bool on, milliseconds timeout = forever) { return done(try_lossless(on, timeout)); }
    Options &rpc_timeout(milliseconds t) { return done(try_rpc_timeout(t)); }
    Options &max_session_id_len(std::size_t len) { return done(try_max_session_id_len(len)); }
    Options &max_msg_size(std::int64_t max_bytes) { return done(try_max_msg_size(max_bytes)); }
    Options &tcp_keepalive(seconds idle, seconds interval, int probes)
    {
        return done(try_tcp_keepalive(idle, interval, probes));
    }
    Options &curve_server(std::string_view secret_key) { return done(try_curve_server(secret_key)); }
    Options &allow_curve_client(std::string_view public_key)
    {
        return done(try_allow_curve_client(public_key));
    }
    Options &curve_client(std::string_view server_key, std::string_view public_key,
                          std::string_view secret_key)
    {
        return done(try_curve_client(server_key, public_key, secret_key));
    }
    Options &curve_rpc_server_key(std::string_view server_key)
    {
        return done(try_curve_rpc_server_key(server_key));
    }
#endif

  private:
    zil_options_t *raw() const noexcept { return handle_.get(); }
#ifdef ZIL_HPP_EXCEPTIONS
    Options &done(const Status &s)
    {
        detail::check(s);
        return *this;
    }
#endif
    detail::Handle<zil_options_t, zil_options_free> handle_;
};

inline const zil_options_t *c_options(const Options *opts) noexcept
{
    return opts != nullptr ? opts->c_handle() : nullptr;
}

// --------------------------------------------------------------- Message

/// A received message. Its views (data, topic, event, session id) are lent
/// by the message: valid until it is freed or received into again.
class Message {
    ZIL_HPP_HANDLE(zil_msg_t)
  public:
    /// An empty message, to receive into (Inport::recv_into).
    static Result<Message> create() noexcept
    {
        zil_msg_t *m = zil_msg_new();
        if (m == nullptr)
            return Status(ZIL_PANIC, zil_last_error());
        return Message(m);
    }
    /// Takes ownership of a C message.
    explicit Message(zil_msg_t *raw) noexcept : handle_(raw) {}
    Message() noexcept = default;

    bytes data() const noexcept { return {zil_msg_data(handle_.get()), zil_msg_size(handle_.get())}; }
    std::size_t size() const noexcept { return zil_msg_size(handle_.get()); }
    bool has_event() const noexcept { return zil_msg_event(handle_.get()) != nullptr; }
    /// The event; std::nullopt when the message carries none (so that a
    /// stage passing it on keeps "no event" as it came).
    std::optional<std::string_view> event() const noexcept
    {
        const char *event = zil_msg_event(handle_.get());
        if (event == nullptr)
            return std::nullopt;
        return std::string_view(event);
    }
    std::string_view topic() const noexcept { return detail::view(zil_msg_topic(handle_.get())); }
    /// The verified session (messages of an inpad); empty otherwise.
    std::string_view session_id() const noexcept
    {
        return detail::view(zil_msg_session_id(handle_.get()));
    }

  private:
    detail::Handle<zil_msg_t, zil_msg_free> handle_;
};

// --------------------------------------------------------------- Monitor

/// Connection events of one port (Outport::monitor, ...).
class Monitor {
    ZIL_HPP_HANDLE(zil_monitor_t)
  public:
    explicit Monitor(zil_monitor_t *raw) noexcept : handle_(raw) {}
    Monitor() noexcept = default;

    /// The next event, or std::nullopt on ZIL_TIMEOUT.
    Result<std::optional<zil_peer_event_t>> try_next(milliseconds timeout) const noexcept
    {
        zil_peer_event_t event;
        zil_result rc = zil_monitor_next(handle_.get(), &event, detail::ms(timeout));
        if (rc == ZIL_OK)
            return std::optional<zil_peer_event_t>(event);
        if (rc == ZIL_TIMEOUT)
            return std::optional<zil_peer_event_t>();
        return detail::status(rc);
    }
#ifdef ZIL_HPP_EXCEPTIONS
    std::optional<zil_peer_event_t> next(milliseconds timeout) const
    {
        return detail::check(try_next(timeout));
    }
#endif

  private:
    detail::Handle<zil_monitor_t, zil_monitor_free> handle_;
};

namespace detail {
template <class H> Result<Monitor> monitor_of(zil_monitor_t *(*make)(const H *), const H *handle)
{
    zil_monitor_t *m = make(handle);
    if (m == nullptr)
        return Status(ZIL_NULL_ARGUMENT, zil_last_error());
    return Monitor(m);
}

/// A receive into `msg`: true on a message, false on ZIL_TIMEOUT.
inline Result<bool> received(zil_result rc)
{
    if (rc == ZIL_OK)
        return true;
    if (rc == ZIL_TIMEOUT)
        return false;
    return status(rc);
}

/// A receive of a new message: std::nullopt on ZIL_TIMEOUT.
inline Result<std::optional<Message>> received_new(zil_result rc, zil_msg_t *msg)
{
    if (rc == ZIL_OK)
        return std::optional<Message>(Message(msg));
    if (rc == ZIL_TIMEOUT)
        return std::optional<Message>();
    return status(rc);
}

/// A wait for subscribers: true when reached, false on ZIL_TIMEOUT.
inline Result<bool> waited(zil_result rc) { return received(rc); }

template <class S, class Counters, class H>
Result<Counters> counters(zil_result (*get)(const H *, S *), const H *handle)
{
    S stats;
    std::memset(&stats, 0, sizeof stats);
    stats.size = sizeof stats;
    zil_result rc = get(handle, &stats);
    if (rc != ZIL_OK)
        return status(rc);
    return stats.counters;
}
} // namespace detail

// --------------------------------------------------------------- Outport

/// An output port (publisher). Thread-safe for pushes.
class Outport {
    ZIL_HPP_HANDLE(zil_outport_t)
  public:
    Outport() noexcept = default;
    static Result<Outport> create(std::string_view addr, std::string_view topic,
                                  const Options *opts = nullptr)
    {
        return detail::adopt<Outport>(zil_outport_new_with_options(
            detail::CStr(addr).get(), detail::CStr(topic).get(), c_options(opts)));
    }
#ifdef ZIL_HPP_EXCEPTIONS
    Outport(std::string_view addr, std::string_view topic) : Outport(detail::check(create(addr, topic))) {}
    Outport(std::string_view addr, std::string_view topic, const Options &opts)
        : Outport(detail::check(create(addr, topic, &opts)))
    {
    }
#endif

    /// Publishes a copy of `data` with `event` (std::nullopt: no event).
    Status try_push(bytes data, std::optional<std::string_view> event = std::nullopt) const
    {
        return detail::status(
            zil_outport_push(handle_.get(), data.data(), data.size(), detail::OptCStr(event).get()));
    }
    Result<bool> try_wait_subscribers(std::size_t count, milliseconds timeout,
                                      std::size_t *subscribers = nullptr) const noexcept
    {
        return detail::waited(
            zil_outport_wait_subscribers(handle_.get(), count, detail::ms(timeout), subscribers));
    }
    /// Lossless pushes return ZIL_INTERRUPTED instead of waiting while set
    /// (zil_outport_set_interrupted): for a stage that flushes or stops.
    Status try_set_interrupted(bool interrupted) const noexcept
    {
        return detail::status(zil_outport_set_interrupted(handle_.get(), interrupted));
    }
    Result<zil_counters_t> try_stats() const noexcept
    {
        return detail::counters<zil_stats_t, zil_counters_t>(zil_outport_stats, handle_.get());
    }
    Result<Monitor> try_monitor() const { return detail::monitor_of(zil_outport_monitor, handle_.get()); }
    std::string_view endpoint() const noexcept { return detail::view(zil_outport_endpoint(handle_.get())); }

#ifdef ZIL_HPP_EXCEPTIONS
    void push(bytes data, std::optional<std::string_view> event = std::nullopt) const
    {
        detail::check(try_push(data, event));
    }
    /// True once `count` subscribers are connected, false at the timeout.
    bool wait_subscribers(std::size_t count, milliseconds timeout) const
    {
        return detail::check(try_wait_subscribers(count, timeout));
    }
    void set_interrupted(bool interrupted) const { detail::check(try_set_interrupted(interrupted)); }
    zil_counters_t stats() const { return detail::check(try_stats()); }
    Monitor monitor() const { return detail::check(try_monitor()); }
#endif

  private:
    explicit Outport(zil_outport_t *raw) noexcept : handle_(raw) {}
    detail::Handle<zil_outport_t, zil_outport_free> handle_;
};

// ---------------------------------------------------------------- Inport

/// An input port (subscriber). One receiving thread at a time.
class Inport {
    ZIL_HPP_HANDLE(zil_inport_t)
  public:
    Inport() noexcept = default;
    static Result<Inport> create(std::string_view addr, std::string_view topic,
                                 const Options *opts = nullptr)
    {
        return detail::adopt<Inport>(zil_inport_new_with_options(
            detail::CStr(addr).get(), detail::CStr(topic).get(), c_options(opts)));
    }
#ifdef ZIL_HPP_EXCEPTIONS
    Inport(std::string_view addr, std::string_view topic) : Inport(detail::check(create(addr, topic))) {}
    Inport(std::string_view addr, std::string_view topic, const Options &opts)
        : Inport(detail::check(create(addr, topic, &opts)))
    {
    }
#endif

    /// The next message, std::nullopt on ZIL_TIMEOUT.
    Result<std::optional<Message>> try_recv(milliseconds timeout) const noexcept
    {
        zil_msg_t *msg = nullptr;
        zil_result rc = zil_inport_recv(handle_.get(), &msg, detail::ms(timeout));
        return detail::received_new(rc, msg);
    }
    /// Receives into `msg`, reusing its storage: true on a message, false
    /// on ZIL_TIMEOUT.
    Result<bool> try_recv_into(Message &msg, milliseconds timeout) const noexcept
    {
        return detail::received(zil_inport_recv_into(handle_.get(), msg.c_handle(), detail::ms(timeout)));
    }
    Status try_wake() const noexcept { return detail::status(zil_inport_wake(handle_.get())); }
    Result<int> try_fd() const noexcept
    {
        int fd = -1;
        Status s = detail::status(zil_inport_fd(handle_.get(), &fd));
        if (!s)
            return s;
        return fd;
    }
    Result<zil_counters_t> try_stats() const noexcept
    {
        return detail::counters<zil_stats_t, zil_counters_t>(zil_inport_stats, handle_.get());
    }
    Result<Monitor> try_monitor() const { return detail::monitor_of(zil_inport_monitor, handle_.get()); }
    std::string_view endpoint() const noexcept { return detail::view(zil_inport_endpoint(handle_.get())); }

#ifdef ZIL_HPP_EXCEPTIONS
    std::optional<Message> recv(milliseconds timeout) const { return detail::check(try_recv(timeout)); }
    bool recv_into(Message &msg, milliseconds timeout) const
    {
        return detail::check(try_recv_into(msg, timeout));
    }
    void wake() const { detail::check(try_wake()); }
    int fd() const { return detail::check(try_fd()); }
    zil_counters_t stats() const { return detail::check(try_stats()); }
    Monitor monitor() const { return detail::check(try_monitor()); }
#endif

  private:
    explicit Inport(zil_inport_t *raw) noexcept : handle_(raw) {}
    detail::Handle<zil_inport_t, zil_inport_free> handle_;
};

// ------------------------------------------------------------------- RPC

/// The request a handler receives; its views are valid during the call.
class Request {
  public:
    Request(const char *method, const char *params_json, const char *params_string) noexcept
        : method_(method), params_json_(params_json), params_string_(params_string)
    {
    }
    std::string_view method() const noexcept { return method_; }
    /// `params` as JSON text; std::nullopt when the request had none.
    std::optional<std::string_view> params_json() const noexcept { return opt(params_json_); }
    /// When `params` is a JSON string, its text (what `verify` receives).
    std::optional<std::string_view> params_string() const noexcept { return opt(params_string_); }

  private:
    static std::optional<std::string_view> opt(const char *text) noexcept
    {
        if (text == nullptr)
            return std::nullopt;
        return std::string_view(text);
    }
    const char *method_;
    const char *params_json_;
    const char *params_string_;
};

/// The answer a handler builds (lent for the call; see zil_rpc_reply_t).
/// Without an answer the result is `null`.
class Reply {
  public:
    explicit Reply(zil_rpc_reply_t *raw) noexcept : raw_(raw) {}
    Status result_json(std::string_view json)
    {
        return detail::status(zil_rpc_reply_set_result(raw_, detail::CStr(json).get()));
    }
    Status string(std::optional<std::string_view> text)
    {
        return detail::status(zil_rpc_reply_set_string(raw_, detail::OptCStr(text).get()));
    }
    Status boolean(bool value) noexcept { return detail::status(zil_rpc_reply_set_bool(raw_, value)); }
    Status error(std::int64_t code, std::string_view message)
    {
        return detail::status(zil_rpc_reply_set_error(raw_, code, detail::CStr(message).get()));
    }
    zil_rpc_reply_t *c_handle() const noexcept { return raw_; }

  private:
    zil_rpc_reply_t *raw_;
};

namespace detail {
/// Calls the C++ handler `F` behind `user_data`; an exception it throws
/// becomes an error reply.
template <class F>
void rpc_trampoline(void *user_data, const char *method, const char *params_json,
                    const char *params_string, zil_rpc_reply_t *reply) noexcept
{
    Reply answer(reply);
#ifdef ZIL_HPP_EXCEPTIONS
    try {
        (*static_cast<F *>(user_data))(Request(method, params_json, params_string), answer);
    } catch (const std::exception &e) {
        std::string text = std::string("Internal error: the handler threw: ") + e.what();
        zil_rpc_reply_set_error(reply, ZIL_RPC_INTERNAL_ERROR, text.c_str());
    } catch (...) {
        zil_rpc_reply_set_error(reply, ZIL_RPC_INTERNAL_ERROR,
                                "Internal error: the handler threw a non-standard exception");
    }
#else
    (*static_cast<F *>(user_data))(Request(method, params_json, params_string), answer);
#endif
}
} // namespace detail

/// A JSON-RPC server. Handlers run on the server's thread.
class RpcServer {
    ZIL_HPP_HANDLE(zil_rpc_server_t)
  public:
    RpcServer() noexcept = default;
    static Result<RpcServer> create(std::string_view addr, const Options *opts = nullptr)
    {
        return detail::adopt<RpcServer>(
            zil_rpc_server_new_with_options(detail::CStr(addr).get(), c_options(opts)));
    }
#ifdef ZIL_HPP_EXCEPTIONS
    explicit RpcServer(std::string_view addr) : RpcServer(detail::check(create(addr))) {}
    RpcServer(std::string_view addr, const Options &opts) : RpcServer(detail::check(create(addr, &opts))) {}
#endif

    /// Serves `method` with `handler`, any callable taking
    /// (const zil::Request &, zil::Reply &). zil owns a copy of it and
    /// destroys it when it is replaced or removed, or the server freed.
    template <class F> Status try_handle(std::string_view method, F &&handler)
    {
        using Fn = std::decay_t<F>;
        static_assert(std::is_invocable_v<Fn &, const Request &, Reply &>,
                      "an RPC handler takes (const zil::Request &, zil::Reply &)");
        Fn *owned = new Fn(std::forward<F>(handler));
        zil_result rc = zil_rpc_server_set_handler(handle_.get(), detail::CStr(method).get(),
                                                   detail::rpc_trampoline<Fn>, owned,
                                                   detail::release_callable<Fn>);
        if (rc != ZIL_OK)
            delete owned; /* zil did not take it: release is not called */
        return detail::status(rc);
    }
    Status try_remove(std::string_view method)
    {
        return detail::status(
            zil_rpc_server_set_handler(handle_.get(), detail::CStr(method).get(), nullptr, nullptr, nullptr));
    }
    Status try_run() const noexcept { return detail::status(zil_rpc_server_run(handle_.get())); }
    Status try_start() const noexcept { return detail::status(zil_rpc_server_start(handle_.get())); }
    Status try_stop(milliseconds timeout = forever) const noexcept
    {
        return detail::status(zil_rpc_server_stop(handle_.get(), detail::ms(timeout)));
    }
    Result<zil_rpc_server_counters_t> try_stats() const noexcept
    {
        return detail::counters<zil_rpc_server_stats_t, zil_rpc_server_counters_t>(zil_rpc_server_stats,
                                                                                   handle_.get());
    }
    std::string_view endpoint() const noexcept
    {
        return detail::view(zil_rpc_server_endpoint(handle_.get()));
    }

#ifdef ZIL_HPP_EXCEPTIONS
    template <class F> void handle(std::string_view method, F &&handler)
    {
        detail::check(try_handle(method, std::forward<F>(handler)));
    }
    void remove(std::string_view method) { detail::check(try_remove(method)); }
    void run() const { detail::check(try_run()); }
    void start() const { detail::check(try_start()); }
    void stop(milliseconds timeout = forever) const { detail::check(try_stop(timeout)); }
    zil_rpc_server_counters_t stats() const { return detail::check(try_stats()); }
#endif

  private:
    explicit RpcServer(zil_rpc_server_t *raw) noexcept : handle_(raw) {}
    detail::Handle<zil_rpc_server_t, zil_rpc_server_free> handle_;
};

namespace detail {
/// Takes a string zil gave the caller to own.
inline std::string take_string(char *text)
{
    std::string copy = text != nullptr ? std::string(text) : std::string();
    zil_string_free(text);
    return copy;
}
} // namespace detail

/// A JSON-RPC client of one server.
class RpcClient {
    ZIL_HPP_HANDLE(zil_rpc_client_t)
  public:
    RpcClient() noexcept = default;
    static Result<RpcClient> create(std::string_view addr, milliseconds timeout,
                                    const Options *opts = nullptr)
    {
        return detail::adopt<RpcClient>(zil_rpc_client_new_with_options(
            detail::CStr(addr).get(), detail::ms(timeout), c_options(opts)));
    }
#ifdef ZIL_HPP_EXCEPTIONS
    RpcClient(std::string_view addr, milliseconds timeout) : RpcClient(detail::check(create(addr, timeout))) {}
    RpcClient(std::string_view addr, milliseconds timeout, const Options &opts)
        : RpcClient(detail::check(create(addr, timeout, &opts)))
    {
    }
#endif

    /// Calls `method` with `params_json` (std::nullopt sends null); the
    /// result as JSON text.
    Result<std::string> try_call(std::string_view method,
                                 std::optional<std::string_view> params_json = std::nullopt) const
    {
        char *result = nullptr;
        zil_result rc = zil_rpc_client_call(handle_.get(), detail::CStr(method).get(),
                                            detail::OptCStr(params_json).get(), &result);
        if (rc != ZIL_OK)
            return detail::status(rc);
        return detail::take_string(result);
    }
    Result<bool> try_verify(std::string_view session_id) const
    {
        bool verified = false;
        Status s = detail::status(
            zil_rpc_client_verify(handle_.get(), detail::CStr(session_id).get(), &verified));
        if (!s)
            return s;
        return verified;
    }
    /// A token, std::nullopt when the server answered null.
    Result<std::optional<std::string>> try_get_token() const
    {
        char *token = nullptr;
        zil_result rc = zil_rpc_client_get_token(handle_.get(), &token);
        if (rc != ZIL_OK)
            return detail::status(rc);
        if (token == nullptr)
            return std::optional<std::string>();
        return std::optional<std::string>(detail::take_string(token));
    }
    Result<bool> try_logout(std::string_view token) const
    {
        bool out = false;
        Status s = detail::status(zil_rpc_client_logout(handle_.get(), detail::CStr(token).get(), &out));
        if (!s)
            return s;
        return out;
    }

#ifdef ZIL_HPP_EXCEPTIONS
    std::string call(std::string_view method, std::optional<std::string_view> params_json = std::nullopt) const
    {
        return detail::check(try_call(method, params_json));
    }
    bool verify(std::string_view session_id) const { return detail::check(try_verify(session_id)); }
    std::optional<std::string> get_token() const { return detail::check(try_get_token()); }
    bool logout(std::string_view token) const { return detail::check(try_logout(token)); }
#endif

  private:
    explicit RpcClient(zil_rpc_client_t *raw) noexcept : handle_(raw) {}
    detail::Handle<zil_rpc_client_t, zil_rpc_client_free> handle_;
};

// ------------------------------------------------------------------ Pads

/// A session-aware output port: every push is wrapped with its session.
class Outpad {
    ZIL_HPP_HANDLE(zil_outpad_t)
  public:
    Outpad() noexcept = default;
    static Result<Outpad> create(std::string_view addr, std::string_view topic,
                                 const Options *opts = nullptr)
    {
        return detail::adopt<Outpad>(zil_outpad_new_with_options(
            detail::CStr(addr).get(), detail::CStr(topic).get(), c_options(opts)));
    }
#ifdef ZIL_HPP_EXCEPTIONS
    Outpad(std::string_view addr, std::string_view topic) : Outpad(detail::check(create(addr, topic))) {}
    Outpad(std::string_view addr, std::string_view topic, const Options &opts)
        : Outpad(detail::check(create(addr, topic, &opts)))
    {
    }
#endif

    /// The outpad's own session (std::nullopt: the process-wide bus's).
    Status try_set_session_id(std::optional<std::string_view> session_id) const
    {
        return detail::status(zil_outpad_set_session_id(handle_.get(), detail::OptCStr(session_id).get()));
    }
    Status try_push(bytes data, std::optional<std::string_view> event = std::nullopt) const
    {
        return detail::status(
            zil_outpad_push(handle_.get(), data.data(), data.size(), detail::OptCStr(event).get()));
    }
    Result<bool> try_wait_subscribers(std::size_t count, milliseconds timeout) const noexcept
    {
        return detail::waited(zil_outpad_wait_subscribers(handle_.get(), count, detail::ms(timeout), nullptr));
    }
    /// As Outport::try_set_interrupted.
    Status try_set_interrupted(bool interrupted) const noexcept
    {
        return detail::status(zil_outpad_set_interrupted(handle_.get(), interrupted));
    }
    Result<zil_counters_t> try_stats() const noexcept
    {
        return detail::counters<zil_stats_t, zil_counters_t>(zil_outpad_stats, handle_.get());
    }
    Result<Monitor> try_monitor() const { return detail::monitor_of(zil_outpad_monitor, handle_.get()); }
    std::string_view endpoint() const noexcept { return detail::view(zil_outpad_endpoint(handle_.get())); }

#ifdef ZIL_HPP_EXCEPTIONS
    void set_session_id(std::optional<std::string_view> session_id) const
    {
        detail::check(try_set_session_id(session_id));
    }
    void push(bytes data, std::optional<std::string_view> event = std::nullopt) const
    {
        detail::check(try_push(data, event));
    }
    bool wait_subscribers(std::size_t count, milliseconds timeout) const
    {
        return detail::check(try_wait_subscribers(count, timeout));
    }
    void set_interrupted(bool interrupted) const { detail::check(try_set_interrupted(interrupted)); }
    zil_counters_t stats() const { return detail::check(try_stats()); }
    Monitor monitor() const { return detail::check(try_monitor()); }
#endif

  private:
    explicit Outpad(zil_outpad_t *raw) noexcept : handle_(raw) {}
    detail::Handle<zil_outpad_t, zil_outpad_free> handle_;
};

/// A session-aware input port: hands out only messages of verified sessions.
class Inpad {
    ZIL_HPP_HANDLE(zil_inpad_t)
  public:
    Inpad() noexcept = default;
    static Result<Inpad> create(std::string_view addr, std::string_view topic, std::string_view rpc_addr,
                                const Options *opts = nullptr)
    {
        return detail::adopt<Inpad>(zil_inpad_new_with_options(detail::CStr(addr).get(),
                                                               detail::CStr(topic).get(),
                                                               detail::CStr(rpc_addr).get(), c_options(opts)));
    }
#ifdef ZIL_HPP_EXCEPTIONS
    Inpad(std::string_view addr, std::string_view topic, std::string_view rpc_addr)
        : Inpad(detail::check(create(addr, topic, rpc_addr)))
    {
    }
    Inpad(std::string_view addr, std::string_view topic, std::string_view rpc_addr, const Options &opts)
        : Inpad(detail::check(create(addr, topic, rpc_addr, &opts)))
    {
    }
#endif

    Result<std::optional<Message>> try_recv(milliseconds timeout) const noexcept
    {
        zil_msg_t *msg = nullptr;
        zil_result rc = zil_inpad_recv(handle_.get(), &msg, detail::ms(timeout));
        return detail::received_new(rc, msg);
    }
    Result<bool> try_recv_into(Message &msg, milliseconds timeout) const noexcept
    {
        return detail::received(zil_inpad_recv_into(handle_.get(), msg.c_handle(), detail::ms(timeout)));
    }
    /// Feeds `outpad` with the session of every message delivered.
    Status try_link(const Outpad &outpad) const noexcept
    {
        if (outpad.c_handle() == nullptr)
            return Status(ZIL_NULL_ARGUMENT, "argument 'outpad' holds no outpad");
        return detail::status(zil_inpad_link_outpad(handle_.get(), outpad.c_handle()));
    }
    /// Back to the process-wide bus.
    Status try_unlink() const noexcept { return detail::status(zil_inpad_link_outpad(handle_.get(), nullptr)); }
    Status try_cache_ttl(milliseconds ttl) const noexcept
    {
        return detail::status(zil_inpad_set_cache_ttl(handle_.get(), detail::ms(ttl)));
    }
    Status try_wake() const noexcept { return detail::status(zil_inpad_wake(handle_.get())); }
    Result<int> try_fd() const noexcept
    {
        int fd = -1;
        Status s = detail::status(zil_inpad_fd(handle_.get(), &fd));
        if (!s)
            return s;
        return fd;
    }
    Result<zil_inpad_counters_t> try_stats() const noexcept
    {
        return detail::counters<zil_inpad_stats_t, zil_inpad_counters_t>(zil_inpad_stats, handle_.get());
    }
    Result<Monitor> try_monitor() const { return detail::monitor_of(zil_inpad_monitor, handle_.get()); }
    std::string_view endpoint() const noexcept { return detail::view(zil_inpad_endpoint(handle_.get())); }

#ifdef ZIL_HPP_EXCEPTIONS
    std::optional<Message> recv(milliseconds timeout) const { return detail::check(try_recv(timeout)); }
    bool recv_into(Message &msg, milliseconds timeout) const
    {
        return detail::check(try_recv_into(msg, timeout));
    }
    void link(const Outpad &outpad) const { detail::check(try_link(outpad)); }
    void unlink() const { detail::check(try_unlink()); }
    void cache_ttl(milliseconds ttl) const { detail::check(try_cache_ttl(ttl)); }
    void wake() const { detail::check(try_wake()); }
    int fd() const { return detail::check(try_fd()); }
    zil_inpad_counters_t stats() const { return detail::check(try_stats()); }
    Monitor monitor() const { return detail::check(try_monitor()); }
#endif

  private:
    explicit Inpad(zil_inpad_t *raw) noexcept : handle_(raw) {}
    detail::Handle<zil_inpad_t, zil_inpad_free> handle_;
};

// ---------------------------------------------- logging, CURVE, shutdown

namespace detail {
template <class F> void log_trampoline(void *user_data, std::int32_t level, const char *line) noexcept
{
#ifdef ZIL_HPP_EXCEPTIONS
    try {
        (*static_cast<F *>(user_data))(static_cast<zil_log_level>(level), std::string_view(line));
    } catch (...) {
        /* a log hook that throws loses that line; nothing crosses into C */
    }
#else
    (*static_cast<F *>(user_data))(static_cast<zil_log_level>(level), std::string_view(line));
#endif
}
} // namespace detail

/// Sends zil's log lines to `hook`, any callable taking (zil_log_level,
/// std::string_view), up to `min_level`. zil owns a copy of it and destroys
/// it when the hook is replaced or removed, or at zil::shutdown. The hook's
/// rules are zil_log_fn's (zil.h).
template <class F> Status try_set_log_hook(F &&hook, zil_log_level min_level)
{
    using Fn = std::decay_t<F>;
    static_assert(std::is_invocable_v<Fn &, zil_log_level, std::string_view>,
                  "a log hook takes (zil_log_level, std::string_view)");
    Fn *owned = new Fn(std::forward<F>(hook));
    zil_result rc = zil_set_log_callback(detail::log_trampoline<Fn>, owned, detail::release_callable<Fn>,
                                         static_cast<std::int32_t>(min_level));
    if (rc != ZIL_OK)
        delete owned;
    return detail::status(rc);
}

/// Log lines back to stderr.
inline Status try_remove_log_hook(zil_log_level min_level = ZIL_LOG_WARN) noexcept
{
    return detail::status(zil_set_log_callback(nullptr, nullptr, nullptr, static_cast<std::int32_t>(min_level)));
}

/// See zil_shutdown: after the last handle is destroyed.
inline Status try_shutdown(milliseconds timeout = forever) noexcept
{
    return detail::status(zil_shutdown(detail::ms(timeout)));
}

/// A CURVE key pair as Z85 text.
struct KeyPair {
    std::string public_key;
    std::string secret_key;
};

inline Result<KeyPair> try_curve_keypair()
{
    char pub[ZIL_CURVE_KEY_SIZE];
    char sec[ZIL_CURVE_KEY_SIZE];
    Status s = detail::status(zil_curve_keypair(pub, sec));
    if (!s)
        return s;
    KeyPair pair{pub, sec};
    std::memset(sec, 0, sizeof sec);
    return pair;
}

inline bool curve_supported() noexcept { return zil_curve_supported(); }
inline std::string_view version() noexcept { return zil_version(); }

#ifdef ZIL_HPP_EXCEPTIONS
template <class F> void set_log_hook(F &&hook, zil_log_level min_level)
{
    detail::check(try_set_log_hook(std::forward<F>(hook), min_level));
}
inline void remove_log_hook(zil_log_level min_level = ZIL_LOG_WARN) { detail::check(try_remove_log_hook(min_level)); }
inline void shutdown(milliseconds timeout = forever) { detail::check(try_shutdown(timeout)); }
inline KeyPair curve_keypair() { return detail::check(try_curve_keypair()); }
#endif

} // namespace zil

#undef ZIL_HPP_HANDLE

#endif /* ZIL_HPP */
