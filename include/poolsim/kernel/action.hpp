// Action: what an event does when it runs — a move-only callable of signature void().
//
// Like std::function<void()>, but built for the event queue's hot path: a callable that is trivially copyable
// and fits in 24 bytes (a lambda capturing a pointer and two indices, say) is stored inline and moved by a plain
// copy, with no allocation and no call through a manager. Any other callable is kept on the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace poolsim {

class Action {
 public:
  static constexpr std::size_t inline_size = 24;

  Action() = default;

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Action> &&
                                                    std::is_invocable_r_v<void, std::decay_t<F>&>>>
  Action(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly, as to std::function
    using Callable = std::decay_t<F>;
    if constexpr (stored_inline<Callable>) {
      ::new (static_cast<void*>(storage_)) Callable(std::forward<F>(f));
      invoke_ = [](void* storage) { (*std::launder(static_cast<Callable*>(storage)))(); };
    } else {
      Callable* held = new Callable(std::forward<F>(f));
      std::memcpy(storage_, &held, sizeof held);
      invoke_ = [](void* storage) { (*heap_pointer<Callable>(storage))(); };
      destroy_ = [](void* storage) { delete heap_pointer<Callable>(storage); };
    }
  }

  Action(Action&& other) noexcept { take(other); }
  Action& operator=(Action&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Action(const Action&) = delete;
  Action& operator=(const Action&) = delete;
  ~Action() { reset(); }

  explicit operator bool() const { return invoke_ != nullptr; }
  void operator()() { invoke_(storage_); }

  void reset() {
    if (destroy_) destroy_(storage_);
    invoke_ = nullptr;
    destroy_ = nullptr;
  }

 private:
  template <typename Callable>
  static constexpr bool stored_inline = std::is_trivially_copyable_v<Callable> &&
                                        sizeof(Callable) <= inline_size &&
                                        alignof(Callable) <= alignof(std::uint64_t);

  template <typename Callable>
  static Callable* heap_pointer(void* storage) {
    Callable* held;
    std::memcpy(&held, storage, sizeof held);
    return held;
  }

  // Inline callables are trivially copyable and a heap callable is a pointer: either way the bytes move.
  void take(Action& other) {
    std::memcpy(storage_, other.storage_, inline_size);
    invoke_ = other.invoke_;
    destroy_ = other.destroy_;
    other.invoke_ = nullptr;
    other.destroy_ = nullptr;
  }

  alignas(std::uint64_t) unsigned char storage_[inline_size];
  void (*invoke_)(void*) = nullptr;
  void (*destroy_)(void*) = nullptr;  // null for inline callables, which need no destruction
};

}  // namespace poolsim
