import Checkout
import Testing

struct PersonNameTests {
    @Test(arguments: [
        "John Doe", "José Álvarez", "Jürgen Müller", "Nguyễn Văn An", "Conan O'Brien", "Siobhán O’Brien",
        "Anne-Marie Smith", "Mary-Kate  Olsen", "J. R. R. Tolkien", "Tõnu Pärn", "Björk Guðmundsdóttir",
        "Иван Петров", "محمد علي", "राहुल शर्मा", "王芳", "山田太郎", "김민준", "Ng Li", "Nguye\u{0302}\u{0303}n An",
        "John\u{00A0}Doe", "Glynn Wynn",
    ])
    func realNamesArePlausible(name: String) {
        #expect(PersonName.isPlausible(name))
    }

    @Test(arguments: [
        "", "  ", "Jo", "Madonna", "test test", "Test", "asdf", "QWERTY", "John Doe3", "J0hn Doe", "xkcdq bvnrtp",
        "Xxx Yyy", "John_Doe", "john@doe.com", "-John Doe", "😀 😀", "王", "Firstname Lastname",
        String(repeating: "Ab ", count: 40),
    ])
    func junkNamesAreImplausible(name: String) {
        #expect(!PersonName.isPlausible(name))
    }

    @Test(arguments: [
        ("john.doe@example.com", "John Doe"), ("jdoe@x.com", "John Doe"), ("jd1985@x.com", "John Doe"),
        ("doe.john@x.com", "John Doe"), ("juergen.mueller@web.de", "Jürgen Müller"),
        ("jurgen.muller@web.de", "Jürgen Müller"), ("jmueller@web.de", "Jürgen Müller"),
        ("nguyen.an@gmail.com", "Nguyễn Văn An"), ("JOSE.ALVAREZ@GMAIL.COM", "José Álvarez"),
        ("lukasz@wp.pl", "Łukasz Żółć"), ("+1 555 0100 123", "Maria Garcia"), ("ivan@yandex.ru", "Иван Петров"),
        ("bookworm@x.com", "王芳"),
    ])
    func addressesMentioningTheNameMatch(contact: String, name: String) {
        #expect(ContactAddress.matchesName(contact, name: name))
    }

    @Test(arguments: [
        ("xk92@x.com", "Maria Garcia"), ("bookworm42@gmail.com", "John Doe"), ("zz@x.com", "Anne-Marie Smith"),
    ])
    func unrelatedAddressesDoNotMatch(contact: String, name: String) {
        #expect(!ContactAddress.matchesName(contact, name: name))
    }

    @Test func disposableDomainsIncludeSubdomains() {
        #expect(ContactAddress.isDisposable("a@mailinator.com"))
        #expect(ContactAddress.isDisposable("a@x.Yopmail.com"))
        #expect(!ContactAddress.isDisposable("a@gmail.com"))
        #expect(!ContactAddress.isDisposable("not-an-address"))
    }

    @Test func contactsAreEmailsOrPhones() {
        #expect(ContactAddress.isPlausible("x@y.z"))
        #expect(ContactAddress.isPlausible("first.last+books@sub.example.co.uk"))
        #expect(ContactAddress.isPlausible("+372 5123 4567"))
        #expect(ContactAddress.isPlausible("(217) 555-0134"))
        #expect(!ContactAddress.isPlausible("john doe@example.com"))
        #expect(!ContactAddress.isPlausible("john@@example.com"))
        #expect(!ContactAddress.isPlausible("john@example..com"))
        #expect(!ContactAddress.isPlausible("123456"))
        #expect(!ContactAddress.isPlausible("5551234+"))
        #expect(!ContactAddress.isPlausible("1234567890123456"))
    }

    @Test func countriesNormaliseToCodes() {
        #expect(Country.normalized("United  States") == "US")
        #expect(Country.normalized(" usa ") == "US")
        #expect(Country.normalized("Holland") == Country.normalized("NL"))
        #expect(Country.normalized("Deutschland") == "DE")
        #expect(Country.normalized("KE") == "KE")
        #expect(Country.normalized("Kenya") == "KE")
        #expect(Country.normalized("Atlantis") == "ATLANTIS")
    }
}
