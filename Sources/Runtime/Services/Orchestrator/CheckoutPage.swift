import Catalog
import Checkout

/// The web checkout page served at `/`: one self-contained HTML document (no external resources).
///
/// It loads the catalog from `GET /catalog`, lets the customer pick books, and posts the order to
/// `POST /checkout` with `fetch` and no headers (so browsers send `text/plain`, as the course page does).
/// Field names follow the checkout contract. Element ids are stable: the browser test drives them.
enum CheckoutPage {
    /// Titles and authors offered by the page's item picker (`GET /catalog`).
    static let catalogTitles: [SuggestedBook] = BookCatalog.standard.books.map {
        SuggestedBook(bookId: $0.id, title: $0.title, author: $0.author)
    }

    /// The page. All dynamic text is inserted with `textContent`, never as markup.
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Checkout · Bookstore</title>
        <link rel="icon" href="data:,">
        <style>
        :root { --ink: #1f2933; --muted: #5f6b7a; --line: #d5dbe3; --accent: #2557a7; --ok: #1b7f3b;
          --bad: #b3261e; --paper: #ffffff; --bg: #f4f1ea; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          color: var(--ink); background: var(--bg); }
        header { background: #2b3a4a; color: #fff; padding: 1rem 1.5rem; }
        header h1 { margin: 0; font-size: 1.5rem; font-family: Georgia, "Times New Roman", serif; }
        header p { margin: .2rem 0 0; color: #c9d3de; }
        main { max-width: 980px; margin: 1.5rem auto; padding: 0 1rem; }
        form { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
        fieldset { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
          padding: 1rem 1.2rem; margin: 0; min-width: 0; }
        fieldset.wide { grid-column: 1 / -1; }
        fieldset[disabled] { display: none; }
        legend { font-weight: 600; padding: 0 .4rem; }
        label { display: block; font-size: .9rem; color: var(--muted); margin-top: .6rem; }
        label.check { display: flex; gap: .5rem; align-items: center; color: var(--ink); font-size: 1rem; }
        input, select, textarea { width: 100%; font: inherit; padding: .45rem .6rem; margin-top: .2rem;
          border: 1px solid #b8c2cf; border-radius: 6px; background: #fff; color: var(--ink); }
        input[type=checkbox] { width: auto; margin: 0; }
        input:focus, select:focus, textarea:focus, button:focus-visible { outline: 3px solid #9bb8e8;
          outline-offset: 1px; border-color: var(--accent); }
        .row { display: grid; grid-template-columns: repeat(auto-fit, minmax(110px, 1fr)); gap: 0 .8rem; }
        .picker { display: grid; grid-template-columns: 1fr 6rem auto; gap: .6rem; align-items: end; }
        button { font: inherit; border: 0; border-radius: 6px; padding: .5rem 1rem; cursor: pointer;
          background: var(--accent); color: #fff; }
        button.secondary { background: #e7ecf3; color: var(--ink); }
        button:disabled { opacity: .6; cursor: wait; }
        #items { list-style: none; padding: 0; margin: .8rem 0 0; }
        #items li { display: flex; justify-content: space-between; align-items: center; gap: .8rem;
          padding: .45rem .2rem; border-bottom: 1px solid var(--line); }
        #items li span.by, .hint { color: var(--muted); font-size: .9rem; }
        #items li.empty { color: var(--muted); justify-content: flex-start; }
        .actions { grid-column: 1 / -1; display: flex; gap: 1rem; align-items: center; }
        .actions button { padding: .7rem 1.6rem; font-size: 1.05rem; }
        .problem { color: var(--bad); font-size: .9rem; min-height: 1.2em; margin: .3rem 0 0; }
        #result { margin-top: 1.5rem; background: var(--paper); border: 1px solid var(--line);
          border-left: 6px solid var(--muted); border-radius: 10px; padding: 1rem 1.4rem; }
        #result.approved { border-left-color: var(--ok); }
        #result.rejected, #result.failed { border-left-color: var(--bad); }
        #result h2 { margin: 0 0 .3rem; }
        #result.approved h2 { color: var(--ok); }
        #result.rejected h2, #result.failed h2 { color: var(--bad); }
        #result code { background: #eef1f5; padding: 0 .3rem; border-radius: 4px; }
        @media (max-width: 720px) { form { grid-template-columns: 1fr; } }
        </style>
        </head>
        <body>
        <header><h1>The Bookstore</h1><p>Checkout</p></header>
        <main>
        <p id="catalog-status" class="hint" role="status">Loading the catalog…</p>
        <form id="checkout" autocomplete="on">
          <fieldset>
            <legend>You</legend>
            <label for="name">Full name</label>
            <input id="name" name="name" autocomplete="name" placeholder="Jane Doe" required>
            <label for="contact">E-mail</label>
            <input id="contact" name="contact" type="email" autocomplete="email" placeholder="jane.doe@example.com"
              required>
          </fieldset>
          <fieldset>
            <legend>Payment card</legend>
            <label for="card-number">Card number</label>
            <input id="card-number" name="card-number" inputmode="numeric" autocomplete="cc-number"
              placeholder="1234 5678 9012 3456" required>
            <div class="row">
              <div><label for="card-expiry">Expiry (MM/YY)</label>
                <input id="card-expiry" name="card-expiry" inputmode="numeric" autocomplete="cc-exp"
                  placeholder="MM/YY" pattern="\d{2}/\d{2}" maxlength="5" required></div>
              <div><label for="card-cvv">CVV</label>
                <input id="card-cvv" name="card-cvv" inputmode="numeric" autocomplete="cc-csc" placeholder="123"
                  pattern="\d{3,4}" maxlength="4" required></div>
            </div>
          </fieldset>
          <fieldset class="wide">
            <legend>Books</legend>
            <div class="picker">
              <div><label for="book-picker">Search the catalog by title or author</label>
                <input id="book-picker" list="catalog" placeholder="Start typing a title…" autocomplete="off"
                  aria-describedby="picker-problem"></div>
              <div><label for="book-quantity">Quantity</label>
                <input id="book-quantity" type="number" min="1" max="99" value="1"></div>
              <button type="button" id="add-book">Add to order</button>
            </div>
            <datalist id="catalog"></datalist>
            <p id="picker-problem" class="problem" aria-live="polite"></p>
            <ul id="items" aria-label="Books in your order"></ul>
          </fieldset>
          <fieldset>
            <legend>Billing address</legend>
            <label for="street">Street</label>
            <input id="street" autocomplete="billing street-address" placeholder="Narva mnt 18" required>
            <div class="row">
              <div><label for="city">City</label>
                <input id="city" autocomplete="billing address-level2" placeholder="Tartu" required></div>
              <div><label for="state">State / county</label>
                <input id="state" autocomplete="billing address-level1" placeholder="Tartumaa"></div>
            </div>
            <div class="row">
              <div><label for="zip">Postal code</label>
                <input id="zip" autocomplete="billing postal-code" placeholder="51009" required></div>
              <div><label for="country">Country</label>
                <input id="country" autocomplete="billing country-name" placeholder="Estonia" required></div>
            </div>
            <label class="check"><input type="checkbox" id="different-shipping"> Ship to a different address</label>
          </fieldset>
          <fieldset>
            <legend>Delivery</legend>
            <label for="shipping-method">Shipping method</label>
            <select id="shipping-method">
              <option value="Standard">Standard (3–5 days)</option>
              <option value="Express">Express (1–2 days)</option>
              <option value="Next-Day">Next day</option>
            </select>
            <label class="check"><input type="checkbox" id="gift-wrapping"> Gift wrapping</label>
            <label for="gift-message">Gift message (optional)</label>
            <input id="gift-message" placeholder="Happy birthday!">
            <label for="comment">Comment (optional)</label>
            <textarea id="comment" rows="2" placeholder="Please handle with care."></textarea>
          </fieldset>
          <fieldset id="shipping-address" class="wide" disabled>
            <legend>Shipping address</legend>
            <div class="row">
              <div><label for="ship-street">Street</label>
                <input id="ship-street" autocomplete="shipping street-address" required></div>
              <div><label for="ship-city">City</label>
                <input id="ship-city" autocomplete="shipping address-level2" required></div>
              <div><label for="ship-state">State / county</label>
                <input id="ship-state" autocomplete="shipping address-level1"></div>
              <div><label for="ship-zip">Postal code</label>
                <input id="ship-zip" autocomplete="shipping postal-code" required></div>
              <div><label for="ship-country">Country</label>
                <input id="ship-country" autocomplete="shipping country-name" required></div>
            </div>
          </fieldset>
          <div class="actions">
            <label class="check"><input type="checkbox" id="terms" required> I accept the terms and conditions</label>
            <button type="submit" id="submit">Place order</button>
          </div>
        </form>
        <section id="result" aria-live="polite" hidden>
          <h2 id="result-status"></h2>
          <p id="result-detail"></p>
          <ul id="reasons"></ul>
          <h3 id="suggestions-heading" hidden>You might also like</h3>
          <ul id="suggestions"></ul>
        </section>
        </main>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const books = [];
        const chosen = new Map();
        const label = (book) => `${book.title} — ${book.author}`;

        // A list item (or another element) holding `text` and, muted, `extra`.
        function item(text, extra, tag = "li") {
          const li = document.createElement(tag);
          li.textContent = text;
          if (extra) { const span = document.createElement("span"); span.className = "by";
            span.textContent = extra; li.append(" ", span); }
          return li;
        }

        function renderItems() {
          const list = $("items");
          list.replaceChildren();
          if (chosen.size === 0) {
            const empty = item("No books yet: pick one above."); empty.className = "empty"; list.append(empty);
          }
          for (const [id, entry] of chosen) {
            const li = document.createElement("li");
            li.append(item(`${entry.quantity} × ${entry.book.title}`, entry.book.author, "span"));
            const remove = document.createElement("button");
            remove.type = "button"; remove.className = "secondary"; remove.textContent = "Remove";
            remove.setAttribute("aria-label", `Remove ${entry.book.title}`);
            remove.addEventListener("click", () => { chosen.delete(id); renderItems(); });
            li.append(remove); list.append(li);
          }
        }

        function findBook(text) {
          const wanted = text.trim().toLowerCase();
          return books.find((b) => label(b).toLowerCase() === wanted)
            || books.find((b) => b.title.toLowerCase() === wanted);
        }

        $("add-book").addEventListener("click", () => {
          const book = findBook($("book-picker").value);
          const quantity = parseInt($("book-quantity").value, 10);
          if (!book) { $("picker-problem").textContent = "Pick a book from the catalog list."; return; }
          if (!(quantity >= 1)) { $("picker-problem").textContent = "The quantity must be at least 1."; return; }
          const entry = chosen.get(book.bookId) || { book, quantity: 0 };
          entry.quantity += quantity; chosen.set(book.bookId, entry);
          $("picker-problem").textContent = ""; $("book-picker").value = ""; $("book-quantity").value = "1";
          renderItems(); $("book-picker").focus();
        });
        $("book-picker").addEventListener("keydown", (event) => {
          if (event.key === "Enter") { event.preventDefault(); $("add-book").click(); }
        });
        $("card-expiry").addEventListener("input", (event) => {
          const digits = event.target.value.replace(/\D/g, "").slice(0, 4);
          event.target.value = digits.length > 2 ? `${digits.slice(0, 2)}/${digits.slice(2)}` : digits;
        });
        $("different-shipping").addEventListener("change", (event) => {
          $("shipping-address").disabled = !event.target.checked;
        });

        const value = (id) => $(id).value.trim();
        const address = (prefix) => ({ street: value(prefix + "street"), city: value(prefix + "city"),
          state: value(prefix + "state"), zip: value(prefix + "zip"), country: value(prefix + "country") });

        function order() {
          const body = {
            user: { name: value("name"), contact: value("contact") },
            creditCard: { number: value("card-number"), expirationDate: value("card-expiry"), cvv: value("card-cvv") },
            items: [...chosen.values()].map((e) => ({ name: e.book.title, quantity: e.quantity })),
            billingAddress: address(""),
            shippingMethod: $("shipping-method").value,
            giftWrapping: $("gift-wrapping").checked,
            termsAccepted: $("terms").checked,
            userComment: value("comment"),
          };
          if ($("different-shipping").checked) body.shippingAddress = address("ship-");
          if (value("gift-message")) body.giftMessage = value("gift-message");
          return body;
        }

        function show(kind, status, detail) {
          const result = $("result");
          result.className = kind; result.hidden = false;
          $("result-status").textContent = status; $("result-detail").textContent = detail;
          $("reasons").replaceChildren(); $("suggestions").replaceChildren();
          $("suggestions-heading").hidden = true;
        }

        function showOutcome(reply) {
          const approved = reply.status === "Order Approved";
          let detail = `Order ${reply.orderId}.`;
          if (typeof reply.fraudScore === "number") {
            detail += ` Fraud score ${reply.fraudScore.toFixed(3)}`;
            if (typeof reply.fraudThreshold === "number") detail += ` (threshold ${reply.fraudThreshold.toFixed(3)})`;
            detail += ".";
          }
          show(approved ? "approved" : "rejected", reply.status, detail);
          for (const reason of reply.reasons || []) {
            $("reasons").append(item(reason.message, reason.field ? `(${reason.field})` : ""));
          }
          const suggested = reply.suggestedBooks || [];
          $("suggestions-heading").hidden = suggested.length === 0;
          for (const book of suggested) $("suggestions").append(item(label(book)));
        }

        $("checkout").addEventListener("submit", async (event) => {
          event.preventDefault();
          if (chosen.size === 0) {
            $("picker-problem").textContent = "Add at least one book to your order."; $("book-picker").focus();
            return;
          }
          const submit = $("submit");
          submit.disabled = true; submit.textContent = "Placing order…";
          $("result").hidden = true; $("result-status").textContent = "";
          try {
            const response = await fetch("/checkout", { method: "POST", body: JSON.stringify(order()) });
            let reply = null;
            try { reply = await response.json(); } catch (_) { reply = null; }
            if (response.ok && reply) {
              showOutcome(reply);
            } else {
              const message = reply && reply.error ? reply.error.message : `HTTP ${response.status}`;
              show("failed", "Checkout failed", message);
            }
          } catch (error) {
            show("failed", "Checkout failed", "The store could not be reached. Please try again.");
          } finally {
            submit.disabled = false; submit.textContent = "Place order";
            $("result").scrollIntoView({ behavior: "smooth", block: "nearest" });
          }
        });

        async function loadCatalog() {
          try {
            const response = await fetch("/catalog");
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            books.push(...await response.json());
            const options = books.map((book) => { const o = document.createElement("option");
              o.value = label(book); return o; });
            $("catalog").replaceChildren(...options);
            $("catalog-status").textContent = `${books.length} books in the catalog.`;
            document.body.dataset.catalog = "ready";
          } catch (error) {
            $("catalog-status").textContent = "The catalog could not be loaded. Please reload the page.";
            document.body.dataset.catalog = "failed";
          }
        }
        renderItems();
        loadCatalog();
        </script>
        </body>
        </html>
        """#
}
