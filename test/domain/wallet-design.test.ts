import {
  applePassDesign,
  brandingFromSettings,
  googleEventTicketClass,
  googleEventTicketObject,
  initialOf,
  isPassVoided,
  rgb,
  type PassSubject,
} from '../../domain/wallet/design';

const subject = (
  over: {
    event?: Partial<PassSubject['event']>;
    ticket?: Partial<PassSubject['ticket']>;
    branding?: Record<string, unknown>;
  } = {},
): PassSubject => ({
  tenantName: 'Hall Co',
  branding: brandingFromSettings({ branding: over.branding ?? {} }),
  event: {
    id: 7,
    name: 'Night Show',
    startsAt: new Date('2027-03-01T19:30:00Z'),
    endsAt: new Date('2027-03-01T22:00:00Z'),
    timezone: 'Europe/Berlin',
    status: 'on_sale',
    venueName: 'Main Hall',
    venueAddress: '1 Main St',
    latitude: 52.5,
    longitude: 13.4,
    ...over.event,
  },
  ticket: {
    id: 42,
    code: 'ABCDEFGHJKLMNPQRSTUV',
    status: 'valid',
    section: 'A',
    seat: '3',
    holderName: 'Ada',
    ticketTypeName: 'VIP',
    ...over.ticket,
  },
});

describe('tenant branding', () => {
  it('uses the configured colours and name, and falls back to defaults for unusable settings', () => {
    expect(brandingFromSettings({ branding: { background_color: '#ff0000', organization_name: 'Red' } })).toMatchObject(
      { background_color: '#ff0000', organization_name: 'Red', foreground_color: '#ffffff' },
    );
    expect(brandingFromSettings({ branding: { background_color: 'red' } }).background_color).toBe('#1f2937');
    expect(brandingFromSettings(undefined).background_color).toBe('#1f2937');
  });

  it("converts hex colours to Apple's rgb() form", () => {
    expect(rgb('#0a10ff')).toBe('rgb(10, 16, 255)');
  });
});

describe('voided passes', () => {
  it.each([
    ['valid', 'on_sale', false],
    ['valid', 'sold_out', false],
    ['valid', 'ended', false],
    ['cancelled', 'on_sale', true],
    ['voided', 'on_sale', true],
    ['transferred', 'on_sale', true],
    ['valid', 'cancelled', true],
  ])('a %s ticket of a %s event is voided: %s', (ticketStatus, eventStatus, voided) => {
    expect(isPassVoided(subject({ ticket: { status: ticketStatus }, event: { status: eventStatus } }))).toBe(voided);
  });
});

describe('Apple pass design', () => {
  it('shows event, date, venue, seat, type and code, relevant at the start and at the venue', () => {
    const d = applePassDesign(subject({ branding: { organization_name: 'Hall Live', logo_text: 'HALL' } }));
    expect(d).toMatchObject({
      organizationName: 'Hall Live',
      logoText: 'HALL',
      voided: false,
      barcodeMessage: 'ABCDEFGHJKLMNPQRSTUV',
      relevantDate: new Date('2027-03-01T19:30:00Z'),
      expirationDate: new Date('2027-03-01T22:00:00Z'),
      location: { latitude: 52.5, longitude: 13.4, relevantText: 'Night Show at Main Hall' },
    });
    expect(d.primaryFields[0].value).toBe('Night Show');
    expect(d.secondaryFields.map((f) => [f.key, f.value])).toEqual([
      ['starts', '2027-03-01T19:30:00.000Z'],
      ['venue', 'Main Hall'],
    ]);
    expect(d.auxiliaryFields.map((f) => f.key)).toEqual(['section', 'seat', 'type']);
    expect(d.backFields.map((f) => f.key)).toEqual(['address', 'holder', 'code']);
  });

  it('uses the tenant name without branding, leaves out unknown seats and location, and explains a void', () => {
    const d = applePassDesign(
      subject({
        ticket: { section: null, seat: null, holderName: null, status: 'transferred' },
        event: { latitude: null, venueAddress: null },
      }),
    );
    expect(d.organizationName).toBe('Hall Co');
    expect(d.auxiliaryFields.map((f) => f.key)).toEqual(['type']);
    expect(d.location).toBeUndefined();
    expect(d.voided).toBe(true);
    expect(d.backFields[0]).toMatchObject({ key: 'notice', value: 'This ticket was transferred to someone else' });
    expect(applePassDesign(subject({ event: { status: 'cancelled' } })).backFields[0].value).toBe(
      'This event was cancelled',
    );
  });
});

describe('Apple pass semantics, relevance and artwork', () => {
  it('tags the event, venue, place, times and seat, and is relevant from the start to the end of the event', () => {
    const d = applePassDesign(subject());
    expect(d.semantics).toEqual({
      eventType: 'PKEventTypeGeneric',
      eventName: 'Night Show',
      venueName: 'Main Hall',
      venueLocation: { latitude: 52.5, longitude: 13.4 },
      eventStartDate: '2027-03-01T19:30:00.000Z',
      eventEndDate: '2027-03-01T22:00:00.000Z',
      seats: [{ seatSection: 'A', seatNumber: '3' }],
    });
    expect(d.relevantDates).toEqual([
      { startDate: new Date('2027-03-01T19:30:00Z'), endDate: new Date('2027-03-01T22:00:00Z') },
    ]);
    expect(d.relevantDate).toEqual(new Date('2027-03-01T19:30:00Z'));
  });

  it('leaves out the seat and the place when they are not known, and keeps a section without a seat', () => {
    const none = applePassDesign(subject({ ticket: { section: null, seat: null }, event: { latitude: null } }));
    expect(none.semantics).not.toHaveProperty('seats');
    expect(none.semantics).not.toHaveProperty('venueLocation');
    expect(applePassDesign(subject({ ticket: { seat: null } })).semantics.seats).toEqual([{ seatSection: 'A' }]);
  });

  it("draws the default icon from the organisation's initial in the brand colours", () => {
    const d = applePassDesign(
      subject({
        branding: { organization_name: 'élan Arts', background_color: '#102030', foreground_color: '#ffcc00' },
      }),
    );
    expect(d.artwork).toEqual({ initial: 'E', backgroundColor: '#102030', foregroundColor: '#ffcc00' });
    expect(applePassDesign(subject()).artwork.initial).toBe('H');
  });

  it.each([
    ['Rock Hall', 'R'],
    ['  the venue', 'T'],
    ['Çirque', 'C'],
    ['42nd Street', '4'],
    ['Ørsted Arena', 'Ø'],
    ['東京 Dome', '東'],
    ['…', undefined],
    ['', undefined],
  ])('the initial of %j is %s', (name, initial) => {
    expect(initialOf(name)).toBe(initial);
  });
});

describe('Google pass design', () => {
  it('has one class per event and one object per ticket, with the barcode and seat, inactive once voided', () => {
    const cls = googleEventTicketClass(
      '338',
      't_1',
      subject({ branding: { logo_url: 'https://cdn.example.com/logo.png' } }),
    );
    expect(cls).toMatchObject({
      id: '338.t_1-event-7',
      issuerName: 'Hall Co',
      logo: { sourceUri: { uri: 'https://cdn.example.com/logo.png' } },
      locations: [{ latitude: 52.5, longitude: 13.4 }],
    });
    const obj = googleEventTicketObject('338', 't_1', subject());
    expect(obj).toMatchObject({
      id: '338.t_1-ticket-42',
      classId: '338.t_1-event-7',
      state: 'ACTIVE',
      barcode: { type: 'QR_CODE', value: 'ABCDEFGHJKLMNPQRSTUV' },
      seatInfo: { seat: { defaultValue: { value: '3' } } },
    });
    expect(googleEventTicketObject('338', 't_1', subject({ ticket: { status: 'cancelled' } })).state).toBe('INACTIVE');
    expect(googleEventTicketClass('338', 't_1', subject({ event: { latitude: null } }))).not.toHaveProperty(
      'locations',
    );
  });
});
